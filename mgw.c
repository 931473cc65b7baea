/* mgw — layer-4 load balancer: main. (walking skeleton in progress) */
#include <stdio.h>
#include <string.h>

#define MGW_VERSION "0.1.0"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("mgw %s\n", MGW_VERSION);
		return 0;
	}
	fprintf(stderr, "usage: mgw -c FILE [-- EAL args] | --check -c FILE | --version\n");
	return 1;
}
