// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * JSON lines sink: one event per line on stdout or appended to a file.
 * Lines are collected in a buffer and written with one write(2) per batch
 * (flush), so `tail -f` sees every event as soon as its batch is handled.
 * SIGHUP re-opens the file by name (reopen), for log rotation by rename.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "sink.h"

#define JSON_SINK_FLUSH_AT (256 * 1024)

struct json_sink {
	struct pt_sink base;
	int fd;
	bool own_fd;
	char *path;
	struct pt_buf buf;
	uint64_t pending; /* events in buf */
	bool failed;      /* last write failed; reported once */
};

static int json_flush(struct pt_sink *s)
{
	struct json_sink *js = (struct json_sink *)s;
	size_t off = 0;

	if (!js->buf.len)
		return 0; /* nothing written: nothing learnt about the file either */
	while (off < js->buf.len) {
		ssize_t n = write(js->fd, js->buf.data + off, js->buf.len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (!js->failed)
				pt_err("json sink %s: write failed: %s", js->path, strerror(errno));
			js->failed = true;
			js->base.dropped += js->pending;
			js->base.written -= js->pending;
			pt_buf_reset(&js->buf);
			js->pending = 0;
			return -errno;
		}
		off += n;
	}
	if (js->failed)
		pt_info("json sink %s: writing again", js->path);
	js->failed = false;
	pt_buf_reset(&js->buf);
	js->pending = 0;
	return 0;
}

static int json_emit(struct pt_sink *s, const struct pt_event *ev, const char *json, size_t len)
{
	struct json_sink *js = (struct json_sink *)s;

	pt_buf_add(&js->buf, json, len);
	pt_buf_addc(&js->buf, '\n');
	if (js->buf.oom) {
		js->base.dropped++;
		return -ENOMEM;
	}
	js->pending++;
	js->base.written++;
	if (js->buf.len >= JSON_SINK_FLUSH_AT)
		return json_flush(s);
	return 0;
}

static uint64_t json_destroy(struct pt_sink *s)
{
	struct json_sink *js = (struct json_sink *)s;
	uint64_t dropped;

	json_flush(s);
	dropped = js->base.dropped;
	if (js->own_fd)
		close(js->fd);
	pt_buf_free(&js->buf);
	free(js->path);
	free(js);
	return dropped;
}

static int json_open_path(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

/*
 * Everything buffered goes to the old file first; the old descriptor is
 * only given up once the new one is open, so a failed re-open (directory
 * gone, no permission) keeps writing where it wrote before.
 */
static int json_reopen(struct pt_sink *s)
{
	struct json_sink *js = (struct json_sink *)s;
	int fd, err;

	if (!js->own_fd)
		return 0;
	json_flush(s);
	fd = json_open_path(js->path);
	if (fd < 0) {
		err = -errno;
		pt_err("json sink: cannot re-open %s: %s (still writing to the old file)",
		       js->path, strerror(errno));
		return err;
	}
	close(js->fd);
	js->fd = fd;
	pt_dbg("json sink: re-opened %s", js->path);
	return 0;
}

/*
 * Broken when the last write failed (EIO, ENOSPC, EPIPE...) or the
 * descriptor reports an error (a pipe whose reader is gone: POLLERR), as
 * pidtree-bcc's health check does.
 */
static int json_health(struct pt_sink *s, char *why, size_t len)
{
	struct json_sink *js = (struct json_sink *)s;
	struct pollfd pfd = { .fd = js->fd, .events = 0 };

	if (js->failed) {
		snprintf(why, len, "json %s: the last write failed", js->path);
		return -EIO;
	}
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLERR | POLLNVAL))) {
		snprintf(why, len, "json %s: %s", js->path,
			 pfd.revents & POLLNVAL ? "not open" : "broken (its reader is gone?)");
		return -EPIPE;
	}
	return 0;
}

static const struct pt_sink_ops json_ops = {
	.name = "json",
	.emit = json_emit,
	.flush = json_flush,
	.destroy = json_destroy,
	.reopen = json_reopen,
	.health = json_health,
};

int pt_sink_json_open(struct pt_sink **out, const char *path)
{
	struct json_sink *js;
	int err;

	js = calloc(1, sizeof(*js));
	if (!js)
		return -ENOMEM;
	js->base.ops = &json_ops;
	pt_buf_init(&js->buf);
	if (!path || !strcmp(path, "-")) {
		js->fd = STDOUT_FILENO;
		js->path = strdup("<stdout>");
	} else {
		js->fd = json_open_path(path);
		if (js->fd < 0) {
			err = -errno;
			pt_err("json sink: cannot open %s: %s", path, strerror(errno));
			free(js);
			return err;
		}
		js->own_fd = true;
		js->path = strdup(path);
	}
	if (!js->path) {
		json_destroy(&js->base);
		return -ENOMEM;
	}
	*out = &js->base;
	return 0;
}
