package unsigned;

/** Included with every Java submission, in its package's directory. */
public final class UnsignedLong {
  private UnsignedLong() {}

  public static String sum(String a, String b) {
    return Long.toUnsignedString(Long.parseUnsignedLong(a) + Long.parseUnsignedLong(b));
  }
}
