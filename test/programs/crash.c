/* Dies the way argv[1] says: segv, fpe, abort, exit3. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
  const char *how = argc > 1 ? argv[1] : "segv";
  if (!strcmp(how, "segv")) { volatile int *p = 0; *p = 1; }
  if (!strcmp(how, "fpe")) { volatile int a = 10, z = 0; volatile int x = a / z; (void)x; }
  if (!strcmp(how, "abort")) abort();
  if (!strcmp(how, "kill")) raise(SIGKILL);
  if (!strcmp(how, "exit3")) exit(3);
  return 0;
}
