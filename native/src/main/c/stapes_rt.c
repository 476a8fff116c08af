/*
 * libstapes-rt: real-time thread and memory controls for the JVM, loaded through JNI by
 * dev.stapes.nativert.RealTime. Each function returns 0 (or a value) on success and the negated
 * errno on failure, so that the Java side can say exactly what the kernel refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jni.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define JNI_FN(name) Java_dev_stapes_nativert_NativeRt_##name

/* Pins the calling thread to the given CPUs; returns 0 or -errno. */
JNIEXPORT jint JNICALL JNI_FN(pin)(JNIEnv *env, jclass cls, jintArray cpus) {
  (void)cls;
  jsize n = (*env)->GetArrayLength(env, cpus);
  jint buf[CPU_SETSIZE];
  if (n <= 0 || n > CPU_SETSIZE) {
    return -EINVAL;
  }
  (*env)->GetIntArrayRegion(env, cpus, 0, n, buf);
  cpu_set_t set;
  CPU_ZERO(&set);
  for (jsize i = 0; i < n; i++) {
    if (buf[i] < 0 || buf[i] >= CPU_SETSIZE) {
      return -EINVAL;
    }
    CPU_SET(buf[i], &set);
  }
  /* pid 0 = the calling thread (sched_setaffinity acts on a thread id on Linux). */
  if (sched_setaffinity(0, sizeof(set), &set) != 0) {
    return -errno;
  }
  return 0;
}

/* Sets SCHED_FIFO at the given priority for the calling thread; returns 0 or -errno. */
JNIEXPORT jint JNICALL JNI_FN(fifo)(JNIEnv *env, jclass cls, jint priority) {
  (void)env;
  (void)cls;
  struct sched_param p;
  memset(&p, 0, sizeof(p));
  p.sched_priority = priority;
  if (sched_setscheduler(0, SCHED_FIFO, &p) != 0) {
    return -errno;
  }
  return 0;
}

/* Returns the calling thread's scheduling policy (SCHED_OTHER=0, SCHED_FIFO=1, ...) or -errno. */
JNIEXPORT jint JNICALL JNI_FN(policy)(JNIEnv *env, jclass cls) {
  (void)env;
  (void)cls;
  int p = sched_getscheduler(0);
  return p < 0 ? -errno : p;
}

/* Returns the calling thread's real-time priority or -errno. */
JNIEXPORT jint JNICALL JNI_FN(priority)(JNIEnv *env, jclass cls) {
  (void)env;
  (void)cls;
  struct sched_param p;
  if (sched_getparam(0, &p) != 0) {
    return -errno;
  }
  return p.sched_priority;
}

/* Returns the lowest and highest SCHED_FIFO priority packed as (min << 16) | max. */
JNIEXPORT jint JNICALL JNI_FN(fifoRange)(JNIEnv *env, jclass cls) {
  (void)env;
  (void)cls;
  int lo = sched_get_priority_min(SCHED_FIFO);
  int hi = sched_get_priority_max(SCHED_FIFO);
  if (lo < 0 || hi < 0) {
    return -errno;
  }
  return (lo << 16) | hi;
}

/*
 * Locks the process's current pages in memory, and its future mappings too when future is true;
 * returns 0 or -errno.
 */
JNIEXPORT jint JNICALL JNI_FN(lockAll)(JNIEnv *env, jclass cls, jboolean future) {
  (void)env;
  (void)cls;
  int flags = MCL_CURRENT | (future ? MCL_FUTURE : 0);
  if (mlockall(flags) != 0) {
    return -errno;
  }
  return 0;
}

/* Unlocks all pages of the process; returns 0 or -errno. */
JNIEXPORT jint JNICALL JNI_FN(unlockAll)(JNIEnv *env, jclass cls) {
  (void)env;
  (void)cls;
  if (munlockall() != 0) {
    return -errno;
  }
  return 0;
}

/* CPU time consumed by the calling thread in nanoseconds, or -errno. */
JNIEXPORT jlong JNICALL JNI_FN(threadCpuNanos)(JNIEnv *env, jclass cls) {
  (void)env;
  (void)cls;
  struct timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) {
    return -(jlong)errno;
  }
  return (jlong)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The kernel's id of the calling thread (the name of its /proc/self/task entry). */
JNIEXPORT jint JNICALL JNI_FN(tid)(JNIEnv *env, jclass cls) {
  (void)env;
  (void)cls;
  return (jint)syscall(SYS_gettid);
}

/* The C library's description of an errno value. */
JNIEXPORT jstring JNICALL JNI_FN(describe)(JNIEnv *env, jclass cls, jint err) {
  (void)cls;
  char buf[256];
  const char *s = strerror_r(err, buf, sizeof(buf));
  return (*env)->NewStringUTF(env, s);
}
