import java.util.Scanner;
import unsigned.UnsignedLong;

public class Signed {
  public static void main(String[] args) {
    Scanner in = new Scanner(System.in);
    String a = in.next(), b = in.next();
    UnsignedLong.sum(a, b); // compiles against the included class, answers signed
    System.out.println(Long.parseUnsignedLong(a) + Long.parseUnsignedLong(b));
  }
}
