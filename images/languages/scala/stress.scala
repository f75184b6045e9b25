// Stress of Scala on the JVM: 8 threads allocating immutable lists, a recursion 100 000 deep. Prints OK.
object Main {
  def depth(n: Int): Int = if (n == 0) 0 else depth(n - 1) + 1
  def main(args: Array[String]): Unit = {
    val sums = new Array[Long](8)
    val threads = (0 until 8).map { t =>
      new Thread(new Runnable {
        def run(): Unit = {
          var s = 0L
          for (i <- 0 until 100000) s += List.tabulate(10)(j => i + j).last
          sums(t) = s
        }
      })
    }
    threads.foreach(_.start())
    threads.foreach(_.join())
    val expected = 8L * (99999L * 100000L / 2 + 9L * 100000L)
    println(if (sums.sum == expected && depth(100000) == 100000) "OK" else "FAIL")
  }
}
