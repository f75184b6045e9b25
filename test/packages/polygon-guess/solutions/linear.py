# Finds the number, but asks too many questions: the checker rejects it.
for x in range(1, 101):
    print("?", x, flush=True)
    if input().strip() == "=":
        print("!", x, flush=True)
        break
