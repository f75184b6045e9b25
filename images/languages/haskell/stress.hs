-- Stress of GHC: a strict fold over 10^7, a Data.Map of 10^5 keys, a lazy non-tail recursion 100 000 deep. Prints OK.
import Data.List (foldl')
import qualified Data.Map.Strict as M

depth :: Int -> Int
depth 0 = 0
depth n = 1 + depth (n - 1)

main :: IO ()
main = do
  let s = foldl' (+) 0 [1 .. 10000000 :: Int]
      m = M.fromList [(i, i * 2) | i <- [1 .. 100000 :: Int]]
      ok = s == 50000005000000 && M.size m == 100000 && M.lookup 500 m == Just 1000 && depth 100000 == 100000
  putStrLn (if ok then "OK" else "FAIL")
