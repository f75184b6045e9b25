# Never flushes (input() would: it flushes stdout first).
import sys
sys.stdout.write("500\n")
sys.stdin.readline()
