def answer(process, x):
    return x if process == 0 else -x
