/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "containerd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "apijson.h"
#include "log.h"

#define TASK_DIR "io.containerd.runtime.v2.task"
#define SPEC_MAX (1u << 20)
#define BACKOFF_MIN 1000
#define BACKOFF_MAX 60000

#define ROOT_MASK (IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE_SELF | \
		   IN_MOVE_SELF | IN_ONLYDIR)
#define NS_MASK (IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_ONLYDIR)
#define TASK_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR)

struct task {
	char ns[PT_CONTAINER_ID_MAX], id[PT_CONTAINER_ID_MAX];
	int wd, pidfd;
	pid_t pid;
	bool running; /* posted RUNNING, no stop since */
};

struct nsdir {
	char name[PT_CONTAINER_ID_MAX];
	int wd;
};

struct pt_ctrd {
	struct pt_cworker *w;
	char root[PATH_MAX];
	bool loud, logged;
	int ifd, root_wd;
	uint64_t retry_at, next_rescan, rebaseline_ms;
	unsigned int backoff;
	struct task *t;
	size_t nt, cap;
	struct nsdir ns[PT_CTRD_NS_MAX];
	size_t nns;
};

static int sys_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

/* A regular file of at most max bytes (not a FIFO such as the bundle's "log"). */
static char *read_regular(const char *path, size_t max, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	size_t total = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (size_t)st.st_size > max)
		goto out;
	buf = malloc(max + 1);
	if (!buf)
		goto out;
	while (total < max && (n = read(fd, buf + total, max - total)) > 0)
		total += n;
	buf[total] = '\0';
	*len = total;
out:
	close(fd);
	return buf;
}

static struct task *find_task(struct pt_ctrd *c, const char *ns, const char *id)
{
	size_t i;

	for (i = 0; i < c->nt; i++)
		if (!strcmp(c->t[i].id, id) && !strcmp(c->t[i].ns, ns))
			return &c->t[i];
	return NULL;
}

static void post_stop(struct pt_ctrd *c, struct task *t, uint64_t now)
{
	struct pt_cmsg *m;

	if (t->pidfd >= 0) {
		close(t->pidfd);
		t->pidfd = -1;
	}
	if (!t->running)
		return;
	t->running = false;
	m = pt_cmsg_new(PT_CMSG_STOP, PT_CSOURCE_CONTAINERD, NULL);
	if (!m)
		return;
	snprintf(m->c.id, sizeof(m->c.id), "%s", t->id);
	m->when_ms = now;
	pt_cworker_post(c->w, m);
}

/*
 * Is pid still the task's process?  Once a task's process has exited its pid
 * can be reused; every runtime's cgroup path for a task holds the task id
 * (NS/ID, cri-containerd-ID.scope, kubepods/.../ID, docker-ID.scope).
 */
static bool in_task_cgroup(const struct task *t, pid_t pid)
{
	char path[64], *text;
	size_t len;
	bool found;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	text = read_regular(path, 65536, &len);
	if (!text)
		return false;
	found = strstr(text, t->id) != NULL;
	free(text);
	return found;
}

/* init.pid written: describe the task (again, if its process changed). */
static void task_ready(struct pt_ctrd *c, struct task *t)
{
	struct pt_container ct;
	struct pt_cmsg *m;
	char path[PATH_MAX + 256], *buf;
	size_t len;
	long pid;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s/init.pid", c->root, t->ns, t->id);
	buf = read_regular(path, 32, &len);
	if (!buf)
		return; /* not created yet */
	pid = strtol(buf, NULL, 10);
	free(buf);
	if (pid <= 0 || pid > INT_MAX || (t->running && t->pid == pid))
		return;
	snprintf(path, sizeof(path), "%s/%s/%s/config.json", c->root, t->ns, t->id);
	buf = read_regular(path, SPEC_MAX, &len);
	memset(&ct, 0, sizeof(ct));
	if (!buf || pt_containerd_parse_spec(buf, len, t->ns, t->id, &ct)) {
		pt_cworker_count(c->w, PT_CC_BAD_BUNDLE);
		pt_container_clear(&ct);
		snprintf(ct.id, sizeof(ct.id), "%s", t->id);
		snprintf(ct.name, sizeof(ct.name), "%s", t->id);
		ct.runtime = strcmp(t->ns, "moby") ? "containerd" : "docker";
	}
	free(buf);
	if (t->pidfd >= 0)
		close(t->pidfd);
	fd = sys_pidfd_open((pid_t)pid);
	if (fd >= 0 && !in_task_cgroup(t, (pid_t)pid)) {
		close(fd); /* the pid was freed and reused: the task's process is gone */
		fd = -1;
	}
	t->pidfd = fd;
	t->pid = (pid_t)pid;
	ct.source = PT_CSOURCE_CONTAINERD;
	ct.pid = (pid_t)pid;
	if (fd >= 0) {
		ct.state = PT_CONTAINER_RUNNING;
		pt_cworker_proc_ids(c->w, &ct);
	} else {
		ct.state = PT_CONTAINER_STOPPED; /* exited already */
		ct.pid = 0;
	}
	t->running = fd >= 0;
	m = pt_cmsg_new(PT_CMSG_UPSERT, PT_CSOURCE_CONTAINERD, &ct);
	if (m)
		pt_cworker_post(c->w, m);
}

static void add_task(struct pt_ctrd *c, const char *ns, const char *id)
{
	char path[PATH_MAX + 256];
	struct task *t;

	if (!pt_container_id_valid(id, strlen(id)))
		return;
	t = find_task(c, ns, id);
	if (!t) {
		if (c->nt >= PT_CTRD_TASKS_MAX)
			return;
		if (c->nt == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 16;
			struct task *nt = reallocarray(c->t, cap, sizeof(*c->t));

			if (!nt)
				return;
			c->t = nt;
			c->cap = cap;
		}
		t = &c->t[c->nt++];
		memset(t, 0, sizeof(*t));
		snprintf(t->ns, sizeof(t->ns), "%s", ns);
		snprintf(t->id, sizeof(t->id), "%s", id);
		t->pidfd = -1;
		snprintf(path, sizeof(path), "%s/%s/%s", c->root, ns, id);
		t->wd = inotify_add_watch(c->ifd, path, TASK_MASK);
	}
	task_ready(c, t);
}

static void remove_task(struct pt_ctrd *c, struct task *t, uint64_t now)
{
	post_stop(c, t, now);
	if (t->wd >= 0)
		inotify_rm_watch(c->ifd, t->wd);
	*t = c->t[--c->nt];
}

static void scan_ns(struct pt_ctrd *c, const char *ns)
{
	char path[PATH_MAX + 128];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/%s", c->root, ns);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			add_task(c, ns, d->d_name);
	closedir(dir);
}

static void add_ns(struct pt_ctrd *c, const char *name)
{
	char path[PATH_MAX + 128];
	size_t i;

	if (!pt_container_id_valid(name, strlen(name)))
		return;
	for (i = 0; i < c->nns; i++)
		if (!strcmp(c->ns[i].name, name))
			goto scan;
	if (c->nns >= PT_CTRD_NS_MAX)
		return;
	snprintf(c->ns[c->nns].name, sizeof(c->ns[0].name), "%s", name);
	snprintf(path, sizeof(path), "%s/%s", c->root, name);
	c->ns[c->nns].wd = inotify_add_watch(c->ifd, path, NS_MASK);
	c->nns++;
scan:
	scan_ns(c, name);
}

static void remove_ns(struct pt_ctrd *c, const char *name, uint64_t now)
{
	size_t i;

	for (i = 0; i < c->nt;)
		if (!strcmp(c->t[i].ns, name))
			remove_task(c, &c->t[i], now);
		else
			i++;
	for (i = 0; i < c->nns; i++)
		if (!strcmp(c->ns[i].name, name)) {
			c->ns[i] = c->ns[--c->nns];
			break;
		}
}

static void post_sync(struct pt_ctrd *c)
{
	struct pt_cmsg *m = pt_cmsg_new(PT_CMSG_SYNC, PT_CSOURCE_CONTAINERD, NULL);
	size_t i;

	if (!m)
		return;
	m->ids = calloc(c->nt ? c->nt : 1, sizeof(*m->ids));
	if (!m->ids) {
		pt_cmsg_free(m);
		return;
	}
	for (i = 0; i < c->nt; i++)
		if (c->t[i].running)
			snprintf(m->ids[m->nids++], PT_CONTAINER_ID_MAX, "%s", c->t[i].id);
	pt_cworker_post(c->w, m);
	pt_cworker_count(c->w, PT_CC_CTRD_SCAN);
	pt_cworker_settle(c->w, PT_CSOURCE_CONTAINERD);
}

/* Forget everything without posting stops (a sync after the rescan does). */
static void close_all(struct pt_ctrd *c)
{
	size_t i;

	for (i = 0; i < c->nt; i++)
		if (c->t[i].pidfd >= 0)
			close(c->t[i].pidfd);
	c->nt = 0;
	c->nns = 0;
	if (c->ifd >= 0)
		close(c->ifd); /* drops every watch */
	c->ifd = c->root_wd = -1;
}

static void retry_later(struct pt_ctrd *c, uint64_t now, const char *why, bool absent)
{
	close_all(c);
	pt_cworker_settle(c->w, PT_CSOURCE_CONTAINERD);
	c->retry_at = now + c->backoff;
	c->backoff = c->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : c->backoff * 2;
	if (c->logged)
		return;
	c->logged = true;
	if (absent && !c->loud)
		pt_dbg("containers: no containerd tasks at %s (%s); watching for them", c->root, why);
	else
		pt_log(c->loud ? LOG_WARNING : LOG_INFO,
		       "containers: containerd_state %s: %s; retrying in the background", c->root, why);
}

static void open_and_scan(struct pt_ctrd *c, uint64_t now)
{
	struct dirent *d;
	DIR *dir;

	close_all(c);
	c->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (c->ifd < 0) {
		retry_later(c, now, strerror(errno), false);
		return;
	}
	c->root_wd = inotify_add_watch(c->ifd, c->root, ROOT_MASK);
	if (c->root_wd < 0) {
		int e = errno;

		retry_later(c, now, strerror(e), e == ENOENT);
		return;
	}
	dir = opendir(c->root);
	if (!dir) {
		retry_later(c, now, strerror(errno), false);
		return;
	}
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			add_ns(c, d->d_name);
	closedir(dir);
	if (c->logged)
		pt_info("containers: containerd tasks at %s followed again", c->root);
	c->logged = false;
	c->backoff = BACKOFF_MIN;
	c->next_rescan = c->rebaseline_ms ? now + c->rebaseline_ms : UINT64_MAX;
	post_sync(c);
}

uint64_t pt_ctrd_step(struct pt_ctrd *c, uint64_t now)
{
	if (c->ifd < 0) {
		if (now >= c->retry_at)
			open_and_scan(c, now);
		if (c->ifd < 0)
			return c->retry_at;
	}
	if (now >= c->next_rescan)
		open_and_scan(c, now);
	return c->ifd < 0 ? c->retry_at : c->next_rescan;
}

unsigned int pt_ctrd_fds(struct pt_ctrd *c, struct curl_waitfd *fds, unsigned int max)
{
	unsigned int n = 0;
	size_t i;

	if (c->ifd < 0 || !max)
		return 0;
	fds[n].fd = c->ifd;
	fds[n].events = CURL_WAIT_POLLIN;
	fds[n++].revents = 0;
	for (i = 0; i < c->nt && n < max; i++)
		if (c->t[i].pidfd >= 0) {
			fds[n].fd = c->t[i].pidfd;
			fds[n].events = CURL_WAIT_POLLIN;
			fds[n++].revents = 0;
		}
	return n;
}

static void on_inotify(struct pt_ctrd *c, const struct inotify_event *ev, uint64_t now)
{
	bool dir_in = (ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO));
	bool dir_out = (ev->mask & IN_ISDIR) && (ev->mask & (IN_DELETE | IN_MOVED_FROM));
	const char *name = ev->len ? ev->name : "";
	size_t i;

	if (ev->wd == c->root_wd) {
		if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
			retry_later(c, now, "directory removed", true);
			post_sync(c); /* nothing runs there any more */
			return;
		}
		if (dir_in)
			add_ns(c, name);
		else if (dir_out)
			remove_ns(c, name, now);
		return;
	}
	for (i = 0; i < c->nns; i++)
		if (ev->wd == c->ns[i].wd) {
			struct task *t;

			if (dir_in)
				add_task(c, c->ns[i].name, name);
			else if (dir_out && (t = find_task(c, c->ns[i].name, name)))
				remove_task(c, t, now);
			return;
		}
	for (i = 0; i < c->nt; i++)
		if (ev->wd == c->t[i].wd) {
			if (ev->mask & IN_IGNORED)
				c->t[i].wd = -1;
			else if (!strcmp(name, "init.pid"))
				task_ready(c, &c->t[i]);
			return;
		}
}

void pt_ctrd_handle(struct pt_ctrd *c, const struct curl_waitfd *fds, unsigned int n,
		    uint64_t now)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	unsigned int k;
	size_t i;

	if (!n || c->ifd < 0 || fds[0].fd != c->ifd)
		return;
	/* exits first: a task whose process ended and whose directory went in
	 * the same round is stopped once either way */
	for (k = 1; k < n; k++) {
		if (!(fds[k].revents & (CURL_WAIT_POLLIN | CURL_WAIT_POLLPRI)))
			continue;
		for (i = 0; i < c->nt; i++)
			if (c->t[i].pidfd == fds[k].fd) {
				post_stop(c, &c->t[i], now);
				break;
			}
	}
	if (!(fds[0].revents & CURL_WAIT_POLLIN))
		return;
	for (;;) {
		ssize_t len = read(c->ifd, buf, sizeof(buf));
		char *p;

		if (len <= 0)
			break;
		for (p = buf; p < buf + len;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				open_and_scan(c, now); /* events lost: start again */
				return;
			}
			on_inotify(c, ev, now);
			if (c->ifd < 0)
				return;
		}
	}
}

int pt_ctrd_new(struct pt_ctrd **cp, struct pt_cworker *w, const char *state_dir, bool loud,
		uint64_t rebaseline_ms)
{
	struct pt_ctrd *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	if (snprintf(c->root, sizeof(c->root), "%s/" TASK_DIR, state_dir) >= (int)sizeof(c->root)) {
		free(c);
		return -ENAMETOOLONG;
	}
	c->w = w;
	c->loud = loud;
	c->rebaseline_ms = rebaseline_ms;
	c->ifd = c->root_wd = -1;
	c->backoff = BACKOFF_MIN;
	*cp = c;
	return 0;
}

void pt_ctrd_free(struct pt_ctrd *c)
{
	if (!c)
		return;
	close_all(c);
	free(c->t);
	free(c);
}
