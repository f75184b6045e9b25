// Stress of Objective-C with GNUstep's Foundation: 2*10^5 NSNumbers in an NSMutableArray sorted
// with compare:, an NSMutableDictionary of 10^5 NSString keys, an NSMutableString built by
// appending, autorelease pools, and a C recursion 10^5 deep. Prints OK.
#import <Foundation/Foundation.h>
#include <stdio.h>

static long depth(long n) { return n == 0 ? 0 : depth(n - 1) + 1; }

int main(void) {
  int ok = 1;
  @autoreleasepool {
    NSMutableArray *a = [NSMutableArray arrayWithCapacity:200000];
    for (long i = 1; i <= 200000; i++) [a addObject:[NSNumber numberWithLong:(i * 7919) % 1000003]];
    [a sortUsingSelector:@selector(compare:)];
    for (NSUInteger i = 1; i < [a count]; i++)
      if ([[a objectAtIndex:i - 1] longValue] > [[a objectAtIndex:i] longValue]) ok = 0;

    NSMutableDictionary *d = [NSMutableDictionary dictionary];
    for (int i = 0; i < 100000; i++) {
      @autoreleasepool {
        NSString *k = [NSString stringWithFormat:@"key%d", i % 50000];
        NSNumber *old = [d objectForKey:k];
        [d setObject:[NSNumber numberWithInt:(old ? [old intValue] : 0) + 1] forKey:k];
      }
    }
    if ([d count] != 50000 || [[d objectForKey:@"key123"] intValue] != 2) ok = 0;

    NSMutableString *s = [NSMutableString string];
    for (int i = 0; i < 100000; i++) [s appendFormat:@"%d,", i % 10];
    if ([s length] != 200000) ok = 0;
    NSArray *parts = [s componentsSeparatedByString:@","];
    if ([parts count] != 100001) ok = 0;
  }
  volatile long n = 100000;
  if (depth(n) != 100000) ok = 0;
  printf("%s\n", ok ? "OK" : "FAIL");
  return 0;
}
