/** What `norouter show-example` prints; a test checks that it validates. */
export const EXAMPLE_MANIFEST = `# A norouter manifest. Every host gets a virtual loopback IP (vip); any host reaches the
# ports another host publishes at VIP:PORT. Check it with \`norouter validate FILE\`,
# see the commands it runs with \`norouter plan FILE\`, start it with \`norouter run FILE\`.
# Editor completion: # yaml-language-server: $schema=<path to norouter>/schema/manifest.schema.json
hosts:
  # The machine norouter runs on: no cmd. At most one host may leave cmd out.
  laptop:
    vip: "127.0.42.100"
  # A Docker container running nginx, nothing installed in it: docker run -d --name host1 nginx:alpine
  # cmd ends in the container's own sh and bootstrap is on: norouter brings itself (and, where
  # there is no Node.js >= 20.19, its own Node runtime, kept in the container's ~/.cache/norouter).
  host1:
    cmd: ["docker", "exec", "-i", "host1", "sh"]
    bootstrap: true
    vip: "127.0.42.101"
    # LISTEN:CONNECT_HOST:CONNECT_PORT: 127.0.42.101:8080 on every host reaches port 80
    # of host1's own loopback.
    ports: ["8080:127.0.0.1:80"]
  # A machine reached over SSH, the same way; cmd may also be one string, split like a shell would.
  host2:
    cmd: "ssh user@host2.example.com -- sh"
    bootstrap: true
    vip: "127.0.42.102"
    ports:
      - "8080:127.0.0.1:80"
      - "5432:127.0.0.1:5432/tcp"
`;
