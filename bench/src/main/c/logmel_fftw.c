/*
 * The C baseline of the frontend benchmarks: the same log-mel as the Java benchmark
 * dev.stapes.bench.jmh.LogMelLoop (a 400-sample Hann window in a 512-point frame, real FFT,
 * power spectrum, 80 triangular HTK-mel filters from 0 to 8000 Hz at 16 kHz, natural log with a
 * floor of 1e-10), on FFTW's single-precision real FFT planned with FFTW_MEASURE.
 *
 * It times itself: each frame is timed with clock_gettime(CLOCK_MONOTONIC) over many iterations
 * (after a warm-up), and it prints one JSON line with the per-frame median, p99, p99.9, max and
 * mean in nanoseconds. Build and run: bench/report.sh does both (gcc -O3 -march=native ... -lfftw3f).
 *
 * usage: logmel_fftw [frames=200000] [warmup=20000]
 */
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RATE 16000
#define WIN 400
#define NFFT 512
#define HOP 160
#define BINS (NFFT / 2 + 1)
#define MELS 80

static double hz_to_mel(double hz) { return 2595.0 * log10(1.0 + hz / 700.0); }
static double mel_to_hz(double mel) { return 700.0 * (pow(10.0, mel / 2595.0) - 1.0); }

static int first_bin[MELS];
static int n_bins[MELS];
static float weights[MELS][BINS];

static void mel_filters(void) {
  double lo = hz_to_mel(0.0), hi = hz_to_mel(RATE / 2.0);
  double pts[MELS + 2];
  for (int m = 0; m < MELS + 2; m++) {
    pts[m] = mel_to_hz(lo + (hi - lo) * m / (MELS + 1));
  }
  for (int m = 0; m < MELS; m++) {
    first_bin[m] = -1;
    n_bins[m] = 0;
    for (int k = 0; k < BINS; k++) {
      double f = (double)k * RATE / NFFT;
      double up = (f - pts[m]) / (pts[m + 1] - pts[m]);
      double down = (pts[m + 2] - f) / (pts[m + 2] - pts[m + 1]);
      double w = fmin(up, down);
      if (w > 0) {
        if (first_bin[m] < 0) {
          first_bin[m] = k;
        }
        weights[m][k - first_bin[m]] = (float)w;
        n_bins[m] = k - first_bin[m] + 1;
      }
    }
    if (first_bin[m] < 0) {
      first_bin[m] = 0;
    }
  }
}

static int cmp_long(const void *a, const void *b) {
  long x = *(const long *)a, y = *(const long *)b;
  return (x > y) - (x < y);
}

static long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

int main(int argc, char **argv) {
  long frames = argc > 1 ? atol(argv[1]) : 200000;
  long warmup = argc > 2 ? atol(argv[2]) : 20000;
  if (frames < 1 || warmup < 0) {
    fprintf(stderr, "usage: logmel_fftw [frames>=1] [warmup>=0]\n");
    return 2;
  }
  mel_filters();
  float window[WIN];
  for (int i = 0; i < WIN; i++) {
    window[i] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * i / WIN));
  }
  /* One second of a deterministic test signal; frames cycle over it. */
  int n_sig = RATE;
  float *sig = malloc(sizeof(float) * (n_sig + WIN));
  unsigned long long seed = 0x5EED;
  for (int i = 0; i < n_sig + WIN; i++) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    sig[i] = (float)(0.25 * sin(2 * M_PI * 220.0 * i / RATE) + ((seed >> 40) / 16777216.0 - 0.5) * 0.02);
  }
  float *in = fftwf_alloc_real(NFFT);
  fftwf_complex *out = fftwf_alloc_complex(BINS);
  fftwf_plan plan = fftwf_plan_dft_r2c_1d(NFFT, in, out, FFTW_MEASURE);
  float power[BINS];
  float mel[MELS];
  long *t = malloc(sizeof(long) * frames);
  double sink = 0;
  int n_frames_sig = (n_sig - WIN) / HOP;
  for (long f = -warmup; f < frames; f++) {
    const float *x = sig + (size_t)((f + warmup) % n_frames_sig) * HOP;
    long t0 = now_ns();
    for (int i = 0; i < WIN; i++) {
      in[i] = x[i] * window[i];
    }
    memset(in + WIN, 0, sizeof(float) * (NFFT - WIN));
    fftwf_execute(plan);
    for (int k = 0; k < BINS; k++) {
      power[k] = out[k][0] * out[k][0] + out[k][1] * out[k][1];
    }
    for (int m = 0; m < MELS; m++) {
      const float *w = weights[m];
      const float *p = power + first_bin[m];
      float acc = 0;
      for (int k = 0; k < n_bins[m]; k++) {
        acc += w[k] * p[k];
      }
      mel[m] = logf(acc > 1e-10f ? acc : 1e-10f);
    }
    long dt = now_ns() - t0;
    if (f >= 0) {
      t[f] = dt;
    }
    sink += mel[f & 63];
  }
  double mean = 0;
  for (long i = 0; i < frames; i++) {
    mean += t[i];
  }
  mean /= frames;
  qsort(t, frames, sizeof(long), cmp_long);
  printf("{\"impl\": \"c-fftw3f\", \"frames\": %ld, \"mean_ns\": %.1f, \"p50_ns\": %ld, "
         "\"p99_ns\": %ld, \"p999_ns\": %ld, \"max_ns\": %ld, \"fftw\": \"%s\", \"sink\": %.3f}\n",
         frames, mean, t[frames / 2], t[(long)(frames * 0.99)], t[(long)(frames * 0.999)],
         t[frames - 1], fftwf_version, sink);
  fftwf_destroy_plan(plan);
  fftwf_free(in);
  fftwf_free(out);
  free(sig);
  free(t);
  return 0;
}
