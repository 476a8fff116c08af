package dev.stapes.audio;

/**
 * How a multi-channel file becomes mono: the average of all channels, or one channel chosen by its
 * zero-based index. Immutable.
 */
public final class ChannelMode {
  /** The mean of all channels, sample by sample. */
  public static final ChannelMode AVERAGE = new ChannelMode(-1);

  private final int channel;

  private ChannelMode(int channel) {
    this.channel = channel;
  }

  /**
   * One channel, by its zero-based index.
   *
   * @param index the channel, 0 for the first (left)
   * @return the mode
   * @throws IllegalArgumentException if {@code index} is negative or above 255
   */
  public static ChannelMode channel(int index) {
    if (index < 0 || index >= WavReader.MAX_CHANNELS) {
      throw new IllegalArgumentException(
          "channel=" + index + ", expected 0.." + (WavReader.MAX_CHANNELS - 1));
    }
    return new ChannelMode(index);
  }

  /**
   * Parses {@code avg}, {@code average} or {@code mean} as {@link #AVERAGE}, and a non-negative
   * integer as {@link #channel(int)}.
   *
   * @param text the text, e.g. from a command-line flag
   * @return the mode
   * @throws IllegalArgumentException if the text is neither
   */
  public static ChannelMode parse(String text) {
    String t = text.trim();
    if (t.equalsIgnoreCase("avg") || t.equalsIgnoreCase("average") || t.equalsIgnoreCase("mean")) {
      return AVERAGE;
    }
    try {
      return channel(Integer.parseInt(t));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "channel mode '" + text + "', expected 'average' or a channel index 0..255", e);
    }
  }

  /** Returns whether this mode averages all channels. */
  public boolean isAverage() {
    return channel < 0;
  }

  /** Returns the chosen channel index, or -1 for {@link #AVERAGE}. */
  public int channelIndex() {
    return channel;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChannelMode && ((ChannelMode) o).channel == channel;
  }

  @Override
  public int hashCode() {
    return channel;
  }

  @Override
  public String toString() {
    return channel < 0 ? "average" : "channel " + channel;
  }
}
