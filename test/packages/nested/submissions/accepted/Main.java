import java.util.Scanner;
import unsigned.UnsignedLong;

public class Main {
  public static void main(String[] args) {
    Scanner in = new Scanner(System.in);
    System.out.println(UnsignedLong.sum(in.next(), in.next()));
  }
}
