package io.rhizome.node.common;

import io.rhizome.store.TlsFiles;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The mutual-TLS flags every program that talks to the store shares (a picocli mixin). Inherited,
 * so rhizomectl takes them after its command too ({@code rhizomectl status --tls-ca ...}).
 */
public final class TlsOptions {
  @Option(names = "--tls-cert", scope = ScopeType.INHERIT, description = "PEM certificate for mutual TLS on every gRPC link")
  Path cert;

  @Option(names = "--tls-key", scope = ScopeType.INHERIT, description = "PEM PKCS#8 private key of --tls-cert")
  Path key;

  @Option(names = "--tls-ca", scope = ScopeType.INHERIT, description = "PEM CA that signed every sentinel's and client's certificate")
  Path ca;

  /** The files, when TLS is configured. @throws UsageException if only some flags are set */
  public Optional<TlsFiles> files() {
    try {
      return TlsFiles.of(cert, key, ca);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
