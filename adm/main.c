/* adm/main.c — mgwadm's entry: the command line and the environment
 * (MGW_API, MGW_TOKEN), then one command against the API. Exit status as
 * ipvsadm's: 0 done, 1 refused (by the API or in the input), 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adm/adm.h"

int main(int argc, char **argv)
{
	struct adm_api api = { .transport = adm_api_socket };
	struct adm_cmd c;
	char err[ADM_ERR_LEN];
	const char *url;
	char *list_argv[2] = { argv[0], "-L" };

	/* ipvsadm with no arguments lists the table. */
	if (argc == 1) {
		argc = 2;
		argv = list_argv;
	}
	if (adm_opts_parse(argc, argv, false, &c, err, sizeof(err)) < 0) {
		fprintf(stderr, "mgwadm: %s\n", err);
		return 2;
	}
	url = c.api ? c.api : getenv("MGW_API");
	if (!url || !*url)
		url = "http://127.0.0.1:8080";
	if (adm_url_parse(url, &api.url, err, sizeof(err)) < 0) {
		fprintf(stderr, "mgwadm: %s\n", err);
		return 2;
	}
	api.token = c.token ? c.token : getenv("MGW_TOKEN");
	api.timeout_ms = (c.timeout_s ? c.timeout_s : 10) * 1000;
	api.ctx = &api;
	return adm_run(&api, &c, stdin, stdout, stderr);
}
