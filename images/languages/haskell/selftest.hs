main :: IO ()
main = putStrLn "OK"
