#include <stdio.h>
#include "util.h"

int main(void)
{
    printf("%s: %d\n", greeting(), add(40, 2));
    return 0;
}
