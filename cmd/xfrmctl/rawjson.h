/* `xfrmctl status --json` printed from the reply text (rawjson.c). */
#ifndef XFRMCTL_RAWJSON_H
#define XFRMCTL_RAWJSON_H

/* Sends req (a JSON line, newline included) and prints the reply, less
 * "ok", as pretty JSON, as it arrives. 0: done. -1, having printed
 * nothing: not connected, no reply in time, or not a plain success; the
 * caller takes the usual path. 1: the reply stopped (or stdout failed)
 * after printing began; said on stderr. */
int rawjson_status(const char *socket_path, const char *req, int timeout_ms);

#endif
