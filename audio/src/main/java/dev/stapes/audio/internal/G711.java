package dev.stapes.audio.internal;

/** ITU-T G.711 A-law and mu-law expansion tables, scaled to [-1, 1) by 1/32768. */
public final class G711 {
  /** A-law code to sample. */
  public static final float[] ALAW = new float[256];

  /** Mu-law code to sample. */
  public static final float[] MULAW = new float[256];

  static {
    for (int i = 0; i < 256; i++) {
      ALAW[i] = alaw(i) / 32768f;
      MULAW[i] = mulaw(i) / 32768f;
    }
  }

  private G711() {}

  private static int alaw(int code) {
    int a = code ^ 0x55;
    int t = (a & 0x0F) << 4;
    int seg = (a & 0x70) >> 4;
    if (seg == 0) {
      t += 8;
    } else if (seg == 1) {
      t += 0x108;
    } else {
      t += 0x108;
      t <<= seg - 1;
    }
    return (a & 0x80) != 0 ? t : -t;
  }

  private static int mulaw(int code) {
    int u = ~code & 0xFF;
    int t = ((u & 0x0F) << 3) + 0x84;
    t <<= (u & 0x70) >> 4;
    return (u & 0x80) != 0 ? 0x84 - t : t - 0x84;
  }
}
