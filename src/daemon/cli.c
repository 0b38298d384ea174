// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The command line (see cli.h and pidtree(8)). */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pidtree.h"
#include "sinkspec.h"


static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pidtree [OPTION]...\n"
		"Report the process ancestry of the network activity of every process: outbound\n"
		"and inbound TCP connections, TCP and UDP listeners, UDP sessions, with the DNS\n"
		"names of the addresses and the container and pod of the process.\n"
		"\n"
		"  -c, --config FILE        probe configuration (YAML, pidtree-bcc compatible);\n"
		"                           default: [daemon] probes= of pidtree.conf, else %s\n"
		"  -C, --conf FILE          daemon settings (INI); default %s if it exists\n"
		"  -o, --output SINK        json (stdout), json:PATH, text (stdout, for people),\n"
		"                           text:PATH, journald, syslog (/dev/log),\n"
		"                           syslog:unix:PATH, syslog:udp://HOST:PORT or\n"
		"                           syslog:tcp://HOST:PORT; may be repeated;\n"
		"                           default: [output] sink= of pidtree.conf, else text\n"
		"                           when stdout is a terminal, json when it is not\n"
		"  -f FILE                  same as -o json:FILE (\"-\" = stdout)\n"
		"  -p, --print-and-quit     print the probe plan (programs, attach points, filters)\n"
		"  -w, --watch-config       reload when a loaded configuration file changes\n"
		"      --lost-event-telemetry N  every N events, write a lost_event_telemetry record\n"
		"      --health-check-period N  every N seconds check that the probes are attached\n"
		"                           and the outputs writable; exit 1 if not (default 60, 0: off)\n"
		"      --check-config       validate the configuration, print every error, exit\n"
		"      --extra-plugin-path DIR  load plugins that are not built in from DIR/NAME.so\n"
		"                           (default: [daemon] extra_plugin_path= of pidtree.conf)\n"
		"      --extra-probe-path DIR  load probes that are not built in from DIR/NAME.so\n"
		"                           (default: [daemon] extra_probe_path= of pidtree.conf)\n"
		"      --max-depth N        ancestors recorded per event (1-%d, default %d)\n"
		"      --cmdline-max BYTES  longest cmdline kept per process (default 4096)\n"
		"      --cache-entries N    process cache size (default 65536)\n"
		"      --ringbuf-kib N      kernel ring buffer size in KiB, a power of two (default 8192)\n"
		"      --poll-ms N          read the ring buffer at least every N ms (default 50)\n"
		"  -v, --verbose            more logging (twice: libbpf debug output); the text\n"
		"                           output shows cmdlines in full\n"
		"  -V, --version            print the version\n"
		"  -h, --help               this help\n"
		"\n"
		"Signals: SIGHUP reloads the configuration (a broken one is reported and the\n"
		"running one kept); SIGUSR1 logs event and loss totals; SIGTERM/SIGINT drain\n"
		"pending events and exit 0.\n"
		"Exit status: 0 ok, 1 runtime failure, 64 usage error, 78 configuration error.\n"
		"See pidtree(8).\n",
		PT_DEFAULT_PROBES_YML, PT_DEFAULT_CONF, PT_MAX_DEPTH, PT_MAX_DEPTH);
}

static int parse_ulong(const char *opt, const char *s, unsigned long lo, unsigned long hi,
		       unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi) {
		fprintf(stderr, "pidtree: %s: '%s' is not a number in %lu-%lu\n", opt, s, lo, hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

enum { OPT_CHECK = 256, OPT_DEPTH, OPT_CMDLINE, OPT_CACHE, OPT_RINGBUF, OPT_POLL, OPT_PLUGINS,
       OPT_TELEMETRY, OPT_HEALTH, OPT_PROBES };

int pt_cli_parse(int argc, char **argv, struct pt_options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "conf", required_argument, NULL, 'C' },
		{ "output", required_argument, NULL, 'o' },
		{ "print-and-quit", no_argument, NULL, 'p' },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "max-depth", required_argument, NULL, OPT_DEPTH },
		{ "cmdline-max", required_argument, NULL, OPT_CMDLINE },
		{ "cache-entries", required_argument, NULL, OPT_CACHE },
		{ "ringbuf-kib", required_argument, NULL, OPT_RINGBUF },
		{ "poll-ms", required_argument, NULL, OPT_POLL },
		{ "extra-plugin-path", required_argument, NULL, OPT_PLUGINS },
		{ "extra-probe-path", required_argument, NULL, OPT_PROBES },
		{ "watch-config", no_argument, NULL, 'w' },
		{ "lost-event-telemetry", required_argument, NULL, OPT_TELEMETRY },
		{ "health-check-period", required_argument, NULL, OPT_HEALTH },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static char json_spec[PT_MAX_OUTPUTS][4096]; /* one per -f: each stays valid */
	char why[PT_SINK_SPEC_MAX + 200];
	int c, verbose = 0;

	o->ringbuf_kib = 8192;
	o->max_depth = PT_MAX_DEPTH;
	o->cmdline_max = 4096;
	o->cache_entries = 65536;
	o->poll_ms = 50;
	o->health_period = 60;
	while ((c = getopt_long(argc, argv, "c:C:o:f:pwvVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'C':
			o->conf = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "-")) {
				optarg = "json:-"; /* bare "json" would follow [json] path= */
			} else {
				if (o->nsinks == PT_MAX_OUTPUTS) {
					fprintf(stderr, "pidtree: at most %d outputs\n", PT_MAX_OUTPUTS);
					return -EINVAL;
				}
				snprintf(json_spec[o->nsinks], sizeof(json_spec[0]), "json:%s", optarg);
				optarg = json_spec[o->nsinks];
			}
			/* fall through */
		case 'o':
			if (o->nsinks == PT_MAX_OUTPUTS) {
				fprintf(stderr, "pidtree: at most %d outputs\n", PT_MAX_OUTPUTS);
				return -EINVAL;
			}
			if (pt_sink_spec_check(optarg, why, sizeof(why))) {
				fprintf(stderr, "pidtree: -o: %s\n", why);
				return -EINVAL;
			}
			o->sinks[o->nsinks++] = optarg;
			break;
		case 'p':
			o->print_and_quit = true;
			break;
		case OPT_CHECK:
			o->check_config = true;
			break;
		case OPT_DEPTH:
			if (parse_ulong("--max-depth", optarg, 1, PT_MAX_DEPTH, &o->max_depth))
				return -EINVAL;
			break;
		case OPT_CMDLINE:
			if (parse_ulong("--cmdline-max", optarg, 64, 1 << 20, &o->cmdline_max))
				return -EINVAL;
			break;
		case OPT_CACHE:
			if (parse_ulong("--cache-entries", optarg, 64, 1 << 24, &o->cache_entries))
				return -EINVAL;
			break;
		case OPT_RINGBUF:
			if (parse_ulong("--ringbuf-kib", optarg, 4, 1 << 20, &o->ringbuf_kib))
				return -EINVAL;
			if (o->ringbuf_kib & (o->ringbuf_kib - 1)) {
				fprintf(stderr, "pidtree: --ringbuf-kib must be a power of two\n");
				return -EINVAL;
			}
			break;
		case OPT_POLL:
			if (parse_ulong("--poll-ms", optarg, 1, 10000, &o->poll_ms))
				return -EINVAL;
			break;
		case OPT_PLUGINS:
			o->plugin_path = optarg;
			break;
		case OPT_PROBES:
			o->probe_path = optarg;
			break;
		case 'w':
			o->watch_config = true;
			break;
		case OPT_TELEMETRY:
			if (parse_ulong("--lost-event-telemetry", optarg, 1, 1000000000,
					&o->telemetry_every))
				return -EINVAL;
			break;
		case OPT_HEALTH:
			if (parse_ulong("--health-check-period", optarg, 0, 86400, &o->health_period))
				return -EINVAL;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("pidtree %s\n", PACKAGE_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pidtree: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -EINVAL;
	}
	pt_log_set_verbose(verbose);
	return 0;
}

