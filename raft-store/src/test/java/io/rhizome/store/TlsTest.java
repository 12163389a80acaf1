package io.rhizome.store;

import static io.rhizome.testsupport.LoopbackPorts.freePort;
import static io.rhizome.store.StoreTestSupport.awaitCaughtUp;
import static io.rhizome.store.StoreTestSupport.bytes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS on every link: peers talk to each other and to clients only with certificates from
 * the store's CA. Certificates are made with the openssl command; the test is skipped without it.
 */
class TlsTest {
  private static final Duration REFUSED_TIMEOUT = Duration.ofSeconds(2);
  /** The budget plus one attempt started just before it ran out, plus scheduling slack. */
  private static final Duration REFUSED_WITHIN = Duration.ofSeconds(4);

  @TempDir static Path certs;
  @TempDir Path data;

  static TlsFiles peerTls;
  static TlsFiles clientTls;
  static TlsFiles foreignClientTls;

  @BeforeAll
  static void makeCertificates() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(opensslAvailable(), "openssl is not installed");
    Pki ca = new Pki(certs, "ca");
    Pki otherCa = new Pki(certs, "other-ca");
    // SAN 127.0.0.1: gRPC checks the peer address against it; both usages: a peer is also a client
    peerTls = ca.issue("peer");
    clientTls = ca.issue("client");
    // signed by a CA the store does not trust, although it trusts the store's CA itself
    TlsFiles foreign = otherCa.issue("intruder");
    foreignClientTls = new TlsFiles(foreign.cert(), foreign.key(), ca.caCert);
  }

  @Test
  void clientWithCertificateFromTheStoreCaReadsAndWrites() throws Exception {
    try (TlsStore store = new TlsStore(data, peerTls);
         StoreClient c = store.client(Optional.of(clientTls), Duration.ofSeconds(5))) {
      await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
          .until(() -> c.put("/tls/k", bytes("secret")).getSucceeded());
      assertEquals("secret", c.get("/tls/k").orElseThrow().getValue().toStringUtf8());
      // replication between the peers runs over TLS as well
      for (PeerAddress p : store.peers) {
        assertEquals(1, awaitCaughtUp(c, p.id()).getKeyCount());
      }
    }
  }

  @Test
  void plaintextClientAndClientWithForeignCertificateAreRefused() throws Exception {
    try (TlsStore store = new TlsStore(data, peerTls);
         StoreClient good = store.client(Optional.of(clientTls), Duration.ofSeconds(5));
         StoreClient plaintext = store.client(Optional.empty(), REFUSED_TIMEOUT);
         StoreClient foreign = store.client(Optional.of(foreignClientTls), REFUSED_TIMEOUT)) {
      await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
          .until(() -> good.put("/tls/k", bytes("v")).getSucceeded());

      refusedWithinTimeout(() -> plaintext.put("/tls/plain", bytes("x")));
      refusedWithinTimeout(() -> plaintext.get("/tls/k"));
      refusedWithinTimeout(() -> foreign.put("/tls/foreign", bytes("x")));
      refusedWithinTimeout(() -> foreign.get("/tls/k"));

      assertTrue(good.get("/tls/plain").isEmpty());
      assertTrue(good.get("/tls/foreign").isEmpty());
      assertEquals(1, good.list("/tls/").getKvsCount());
    }
  }

  private static void refusedWithinTimeout(Supplier<?> call) {
    long start = System.nanoTime();
    StoreException e = assertThrows(StoreException.class, call::get);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    System.out.println("refused after " + took.toMillis() + "ms: " + e.getMessage());
    assertTrue(took.compareTo(REFUSED_WITHIN) < 0, "refused only after " + took.toMillis() + "ms: " + e);
  }

  /** Three TLS peers on loopback; LocalStore has no TLS option. */
  private static final class TlsStore implements AutoCloseable {
    final List<PeerAddress> peers = new ArrayList<>();
    private final List<StoreServer> servers = new ArrayList<>();
    private final List<StoreClient> clients = new ArrayList<>();

    TlsStore(Path root, TlsFiles tls) throws IOException {
      for (int i = 1; i <= 3; i++) {
        peers.add(new PeerAddress("s" + i, "127.0.0.1", freePort()));
      }
      try {
        for (PeerAddress p : peers) {
          servers.add(StoreServer.start(StoreServerConfig.of(p, peers, root.resolve(p.id()))
              .withTls(Optional.of(tls))));
        }
      } catch (IOException | RuntimeException e) {
        close();
        throw e;
      }
    }

    StoreClient client(Optional<TlsFiles> tls, Duration timeout) {
      StoreClient c = StoreClient.connect(
          StoreClientConfig.of(peers).withRequestTimeout(timeout).withTls(tls));
      clients.add(c);
      return c;
    }

    @Override
    public void close() {
      clients.forEach(StoreClient::close);
      for (StoreServer s : servers) {
        try {
          s.close();
        } catch (IOException ignored) {
          // shutting the test down
        }
      }
    }
  }

  /** A CA made with openssl, which issues PKCS#8 EC keys and certificates for 127.0.0.1. */
  private static final class Pki {
    final Path dir;
    final String name;
    final Path caCert;
    final Path caKey;

    Pki(Path dir, String name) throws Exception {
      this.dir = dir;
      this.name = name;
      this.caKey = dir.resolve(name + ".key");
      this.caCert = dir.resolve(name + ".crt");
      genKey(caKey);
      openssl("req", "-x509", "-new", "-key", caKey.toString(), "-days", "2",
          "-subj", "/CN=rhizome test " + name, "-out", caCert.toString());
    }

    TlsFiles issue(String cn) throws Exception {
      Path key = dir.resolve(cn + ".key");
      Path csr = dir.resolve(cn + ".csr");
      Path cert = dir.resolve(cn + ".crt");
      Path ext = dir.resolve(cn + ".ext");
      genKey(key);
      openssl("req", "-new", "-key", key.toString(), "-subj", "/CN=" + cn, "-out", csr.toString());
      Files.writeString(ext, String.join("\n",
          "basicConstraints=CA:FALSE",
          "keyUsage=digitalSignature",
          "extendedKeyUsage=serverAuth,clientAuth",
          "subjectAltName=IP:127.0.0.1",
          ""));
      openssl("x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(),
          "-CAkey", caKey.toString(), "-set_serial", Long.toString(System.nanoTime()),
          "-days", "2", "-extfile", ext.toString(), "-out", cert.toString());
      TlsFiles files = TlsFiles.of(cert, key, caCert).orElseThrow();
      // Ratis reads only PKCS#8 keys
      assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----"));
      return files;
    }

    private static void genKey(Path key) throws Exception {
      openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
          "-out", key.toString());
    }
  }

  private static boolean opensslAvailable() {
    try {
      openssl("version");
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static void openssl(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
  }
}
