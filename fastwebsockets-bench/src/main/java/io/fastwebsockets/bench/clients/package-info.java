/**
 * The client benchmark: the same closed loop (one binary message in flight per connection, every echo checked)
 * driven by each Java WebSocket client against one echo server, normally {@code bench/floor.c}, so that the client
 * is what is measured. See {@code bench/clients.sh} and docs/benchmarks.
 */
package io.fastwebsockets.bench.clients;
