// Stress of Rust: 8 threads, a Vec of 10^7 sorted, a HashMap of 10^5 keys, a recursion 100 000 deep,
// and the crates the layer builds (rand, rand_xoshiro, libc). Prints OK.
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::thread;

fn depth(n: u64, seen: &mut Vec<u64>) -> u64 {
    seen.push(n);
    if n == 0 { 0 } else { depth(n - 1, seen) + 1 }
}

fn main() {
    let handles: Vec<_> = (0..8u64).map(|t| thread::spawn(move || (0..100_000u64).map(|i| i * t).sum::<u64>())).collect();
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let mut v: Vec<u32> = (0..10_000_000u32).map(|i| i.wrapping_mul(2654435761) % 1_000_000).collect();
    v.sort_unstable();
    let m: HashMap<u32, u32> = (0..100_000).map(|i| (i, i * 2)).collect();
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
    let dice: Vec<u32> = (0..1000).map(|_| rng.gen_range(1..=6)).collect();
    let crates = dice.iter().all(|d| (1..=6).contains(d)) && dice.iter().any(|&d| d == 6) && unsafe { libc::getpid() } > 0;
    let ok = crates && total == 28 * 4_999_950_000 && v.windows(2).all(|w| w[0] <= w[1]) && m[&500] == 1000 && depth(100_000, &mut Vec::new()) == 100_000;
    println!("{}", if ok { "OK" } else { "FAIL" });
}
