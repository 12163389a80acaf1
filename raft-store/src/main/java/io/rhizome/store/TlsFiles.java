package io.rhizome.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * Mutual TLS material for every gRPC link: this process's certificate and PKCS#8 key, and the CA
 * that signed every peer's and client's certificate. Peers need both serverAuth and clientAuth
 * usages, since a sentinel is also a client of the others.
 */
public record TlsFiles(Path cert, Path key, Path ca) {

  /** All three flags or none; a missing file is named. */
  public static Optional<TlsFiles> of(Path cert, Path key, Path ca) {
    if (cert == null && key == null && ca == null) {
      return Optional.empty();
    }
    if (cert == null || key == null || ca == null) {
      throw new IllegalArgumentException(
          "TLS needs all of --tls-cert, --tls-key and --tls-ca (or none of them)");
    }
    requireReadable(cert, "--tls-cert");
    requireReadable(key, "--tls-key");
    requireReadable(ca, "--tls-ca");
    return Optional.of(new TlsFiles(cert, key, ca));
  }

  private static void requireReadable(Path p, String flag) {
    if (!Files.isReadable(p)) {
      throw new IllegalArgumentException(flag + ": cannot read " + p);
    }
  }

  Parameters parameters() {
    Parameters parameters = new Parameters();
    GrpcConfigKeys.TLS.setConf(parameters,
        new GrpcTlsConfig(key.toFile(), cert.toFile(), ca.toFile(), true));
    return parameters;
  }

  static Parameters parameters(Optional<TlsFiles> tls) {
    return tls.map(TlsFiles::parameters).orElseGet(Parameters::new);
  }
}
