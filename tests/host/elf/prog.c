/* A tiny freestanding user program, compiled for every ISA the tools can,
 * to give the ELF reader real executables (text, read-only data, data, bss). */
static const char message[] = "hello from a user program";
int counter = 5;
long scratch[512];

void entry(void);

void entry(void)
{
    for (;;) {
        counter += message[counter & 15];
        scratch[counter & 511]++;
    }
}
