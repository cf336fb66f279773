#include "util.h"

int add(int a, int b) { return a + b; }

const char *greeting(void) { return "hello from the cache"; }
