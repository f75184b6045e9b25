int main() {
  for (volatile unsigned long long i = 0;; i++) {
  }
}
