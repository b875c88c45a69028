/* Plain driver: run the fuzz target over every file named on the command line (the corpus),
 * so that `make test` replays it under ASan/UBSan without libFuzzer. Prints TAP. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    int i;

    printf("1..%d\n", argc - 1);
    for (i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        long n;
        uint8_t *buf;

        if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
            printf("not ok %d - %s: cannot read\n", i, argv[i]);
            if (f)
                fclose(f);
            continue;
        }
        buf = malloc((size_t)n + 1);
        if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
            printf("not ok %d - %s: cannot read\n", i, argv[i]);
        } else {
            LLVMFuzzerTestOneInput(buf, (size_t)n);
            printf("ok %d - %s\n", i, argv[i]);
        }
        free(buf);
        fclose(f);
    }
    return 0;
}
