/* Plants links in /box pointing at host paths, for the host-side safety test. */
#include <unistd.h>
int main(void) { symlink("/etc/shadow", "main"); symlink("/etc/passwd", "out.txt"); return 0; }
