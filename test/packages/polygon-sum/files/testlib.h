// A few lines in testlib's shape, written for caged's tests (not testlib itself): what a
// Polygon checker, interactor or validator of these packages calls, with testlib's exit codes.
#pragma once
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

enum TResult { _ok = 0, _wa = 1, _pe = 2, _fail = 3 };

// The message on stderr, its line ended, then exit with `code`.
inline void vquit(int code, const char *prefix, const char *fmt, va_list ap) {
  std::fputs(prefix, stderr);
  std::vfprintf(stderr, fmt, ap);
  std::fputc('\n', stderr);
  std::exit(code);
}

inline void quitf(TResult r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vquit(r, "", fmt, ap);
}

// Partial points, as testlib's quitp reports them: "points P message" on stderr, exit 7.
inline void quitp(double points, const char *fmt, ...) {
  std::fprintf(stderr, "points %g ", points);
  va_list ap;
  va_start(ap, fmt);
  vquit(7, "", fmt, ap);
}

struct InStream {
  std::FILE *f = nullptr;
  TResult onEof = _fail;
  void open(const char *name, TResult eof) {
    f = std::fopen(name, "r");
    onEof = eof;
    if (!f) quitf(_fail, "cannot open %s", name);
  }
  long long readLong() {
    long long v;
    if (std::fscanf(f, "%lld", &v) != 1) quitf(onEof, "a number was expected");
    return v;
  }
  int readInt() { return static_cast<int>(readLong()); }
  std::string readWord() {
    char buf[64];
    if (std::fscanf(f, "%63s", buf) != 1) quitf(onEof, "a word was expected");
    return buf;
  }
  bool seekEof() {
    int c;
    while ((c = std::fgetc(f)) != EOF)
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        std::ungetc(c, f);
        return false;
      }
    return true;
  }
};

inline InStream inf, ouf, ans;
inline std::ofstream tout;

inline void registerTestlibCmd(int argc, char **argv) {
  if (argc < 4) quitf(_fail, "usage: checker input output answer");
  inf.open(argv[1], _fail);
  ouf.open(argv[2], _pe);
  ans.open(argv[3], _fail);
}

inline void registerInteraction(int argc, char **argv) {
  if (argc < 3) quitf(_fail, "usage: interactor input output [answer]");
  inf.open(argv[1], _fail);
  ouf.f = stdin;
  ouf.onEof = _wa;
  tout.open(argv[2]);
  if (argc > 3) ans.open(argv[3], _fail);
}

// A validator reads the input on stdin; `--testset T --group G` (as doall.sh passes them) are kept.
inline std::string validatorTestset, validatorGroup;

inline void registerValidation(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i++) {
    std::string key = argv[i];
    if (key == "--testset") validatorTestset = argv[++i];
    else if (key == "--group") validatorGroup = argv[++i];
  }
  inf.f = stdin;
  inf.onEof = _fail;
}

// testlib's ensuref: "FAIL message" on stderr, exit 3.
inline void ensuref(bool cond, const char *fmt, ...) {
  if (cond) return;
  va_list ap;
  va_start(ap, fmt);
  vquit(_fail, "FAIL ", fmt, ap);
}
