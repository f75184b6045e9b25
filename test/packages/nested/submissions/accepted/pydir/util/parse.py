import sys


def numbers():
    return [int(w) for w in sys.stdin.read().split()]
