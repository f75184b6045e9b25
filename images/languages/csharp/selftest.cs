using System; class P { static void Main() { Console.WriteLine("OK"); } }
