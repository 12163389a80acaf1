package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.node.common.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Where other hosts are told to reach PostgreSQL: --pg-advertise-address and --pg-advertise-port
 * default to where it listens, and either may differ from it (NAT, or a relay in front of it).
 */
class KeeperCommandAdvertiseTest {
  @TempDir Path dir;

  static Stream<Arguments> flags() {
    return Stream.of(
        Arguments.of(List.of(), "127.0.0.1", 5433),
        Arguments.of(List.of("--pg-advertise-port", "6000"), "127.0.0.1", 6000),
        Arguments.of(List.of("--pg-advertise-address", "10.0.0.7"), "10.0.0.7", 5433),
        Arguments.of(List.of("--pg-advertise-address", "10.0.0.7", "--pg-advertise-port", "6000"), "10.0.0.7", 6000));
  }

  @ParameterizedTest(name = "{0} advertises {1}:{2}")
  @MethodSource("flags")
  void advertisedAddressAndPort(List<String> extra, String address, int port) throws IOException {
    KeeperHarness.assumeNotRoot();
    KeeperSettings s = parse(extra).settings();
    assertEquals(address, s.pgAdvertiseAddress());
    assertEquals(port, s.pgAdvertisePort());
    assertEquals(5433, s.pgPort(), "PostgreSQL still listens on --pg-port");
  }

  static Stream<Arguments> badPorts() {
    return Stream.of(Arguments.of("0"), Arguments.of("65536"), Arguments.of("-1"));
  }

  @ParameterizedTest(name = "--pg-advertise-port {0} is refused")
  @MethodSource("badPorts")
  void badAdvertisedPortIsAUsageError(String port) throws IOException {
    UsageException e = assertThrows(UsageException.class,
        () -> parse(List.of("--pg-advertise-port", port)).settings());
    assertTrue(e.getMessage().contains("--pg-advertise-port " + port + " is not a port"), e.getMessage());
  }

  private KeeperCommand parse(List<String> extra) throws IOException {
    Path pw = dir.resolve("pw");
    Files.writeString(pw, "secret\n");
    Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
    List<String> args = new ArrayList<>(List.of("--cluster-name", "c", "--id", "k0", "--data-dir", dir.toString(),
        "--store-endpoints", "127.0.0.1:7001", "--pg-listen-address", "127.0.0.1", "--pg-port", "5433",
        "--pg-su-passwordfile", pw.toString(), "--pg-repl-passwordfile", pw.toString()));
    args.addAll(extra);
    KeeperCommand cmd = new KeeperCommand();
    new CommandLine(cmd).parseArgs(args.toArray(String[]::new));
    return cmd;
  }
}
