// Stress of Go: 1000 goroutines over channels, GC-heavy allocation, a recursion 1 000 000 deep. Prints OK.
package main

import (
	"fmt"
	"sync"
)

func depth(n int) int {
	if n == 0 {
		return 0
	}
	return depth(n-1) + 1
}

func main() {
	ch := make(chan int, 100)
	var wg sync.WaitGroup
	for g := 0; g < 1000; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			s := 0
			for i := 0; i < 1000; i++ {
				b := make([]int, 16)
				b[0] = i
				s += b[0]
			}
			ch <- s
		}(g)
	}
	go func() { wg.Wait(); close(ch) }()
	total := 0
	for s := range ch {
		total += s
	}
	if total == 1000*499500 && depth(1000000) == 1000000 {
		fmt.Println("OK")
	} else {
		fmt.Println("FAIL")
	}
}
