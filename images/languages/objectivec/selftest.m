#import <Foundation/Foundation.h>

int main(void) {
  @autoreleasepool {
    NSString *s = [NSString stringWithFormat:@"%@%c", @"O", 'K'];
    printf("%s\n", [s UTF8String]);
  }
  return 0;
}
