package io.rhizome.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PeerAddressTest {

  private static final String PEERS = "--peers";
  private static final String ENDPOINTS = "--store-endpoints";

  /** Which parser a case exercises; the flag it reports errors under. */
  enum Parser {
    PEERS_LIST(PEERS, PeerAddress::parsePeers),
    ENDPOINT_LIST(ENDPOINTS, PeerAddress::parseEndpoints);

    final String flag;
    final BiFunction<String, String, List<PeerAddress>> parse;

    Parser(String flag, BiFunction<String, String, List<PeerAddress>> parse) {
      this.flag = flag;
      this.parse = parse;
    }

    List<PeerAddress> parse(String text) {
      return parse.apply(text, flag);
    }
  }

  static Stream<Arguments> validLists() {
    return Stream.of(
        arguments(Parser.PEERS_LIST, "s1=127.0.0.1:7001,s2=127.0.0.1:7002,s3=127.0.0.1:7003",
            List.of("s1=127.0.0.1:7001", "s2=127.0.0.1:7002", "s3=127.0.0.1:7003")),
        arguments(Parser.PEERS_LIST, "s1=127.0.0.1:7001", List.of("s1=127.0.0.1:7001")),
        arguments(Parser.PEERS_LIST, " s1 = 10.0.0.1:7001 , s2=db-2.example.com:7001 ",
            List.of("s1=10.0.0.1:7001", "s2=db-2.example.com:7001")),
        arguments(Parser.PEERS_LIST, "s1=127.0.0.1:7001,", List.of("s1=127.0.0.1:7001")),
        arguments(Parser.PEERS_LIST, "node_a.1=h:1,Node-B=h:65535",
            List.of("node_a.1=h:1", "Node-B=h:65535")),
        arguments(Parser.PEERS_LIST, "s1=[::1]:7001,s2=[fe80::1%eth0]:7001",
            List.of("s1=[::1]:7001", "s2=[fe80::1%eth0]:7001")),
        arguments(Parser.PEERS_LIST, "s1=a:7001,s2=b:7001",
            List.of("s1=a:7001", "s2=b:7001")),
        arguments(Parser.ENDPOINT_LIST, "127.0.0.1:7001,127.0.0.1:7002",
            List.of("127.0.0.1_7001=127.0.0.1:7001", "127.0.0.1_7002=127.0.0.1:7002")),
        arguments(Parser.ENDPOINT_LIST, "s1=127.0.0.1:7001,127.0.0.1:7002",
            List.of("s1=127.0.0.1:7001", "127.0.0.1_7002=127.0.0.1:7002")),
        arguments(Parser.ENDPOINT_LIST, "db-1.example.com:7001",
            List.of("db-1.example.com_7001=db-1.example.com:7001")),
        arguments(Parser.ENDPOINT_LIST, "[::1]:7001,[::1]:7002",
            List.of("ep__1_7001=[::1]:7001", "ep__1_7002=[::1]:7002")));
  }

  @ParameterizedTest(name = "{0} \"{1}\"")
  @MethodSource("validLists")
  void validListsParseInOrder(Parser parser, String text, List<String> expected) {
    assertEquals(expected, parser.parse(text).stream().map(PeerAddress::toString).toList());
  }

  @Test
  void parsedPeerKeepsHostAndPortApart() {
    PeerAddress p = PeerAddress.parsePeers("s1=[::1]:7001", PEERS).get(0);

    assertEquals(new PeerAddress("s1", "::1", 7001), p);
    assertEquals("[::1]:7001", p.address());
  }

  @Test
  void endpointWithoutIdStandsInWithAnIdDerivedFromItsAddress() {
    PeerAddress p = PeerAddress.parseEndpoint(" 10.1.2.3:7001 ", ENDPOINTS);

    assertEquals(new PeerAddress("10.1.2.3_7001", "10.1.2.3", 7001), p);
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        // the list as a whole
        arguments(Parser.PEERS_LIST, "", "is empty"),
        arguments(Parser.PEERS_LIST, "   ", "is empty"),
        arguments(Parser.PEERS_LIST, null, "is empty"),
        arguments(Parser.PEERS_LIST, ",", "is empty"),
        arguments(Parser.PEERS_LIST, " , ,", "is empty"),
        arguments(Parser.ENDPOINT_LIST, "", "is empty"),
        arguments(Parser.ENDPOINT_LIST, ",,", "is empty"),
        // one item's shape
        arguments(Parser.PEERS_LIST, "127.0.0.1:7001", "is not ID=HOST:PORT"),
        arguments(Parser.PEERS_LIST, "s1", "is not ID=HOST:PORT"),
        arguments(Parser.PEERS_LIST, "=127.0.0.1:7001", "is not ID=HOST:PORT"),
        arguments(Parser.PEERS_LIST, "s1=127.0.0.1:7001,s2", "is not ID=HOST:PORT"),
        arguments(Parser.PEERS_LIST, "s1=", "is not HOST:PORT"),
        arguments(Parser.PEERS_LIST, "s1=127.0.0.1", "is not HOST:PORT"),
        arguments(Parser.PEERS_LIST, "s1=127.0.0.1:", "is not HOST:PORT"),
        arguments(Parser.PEERS_LIST, "s1=:7001", "is not HOST:PORT"),
        arguments(Parser.ENDPOINT_LIST, "127.0.0.1", "is not HOST:PORT"),
        arguments(Parser.ENDPOINT_LIST, ":7001", "is not HOST:PORT"),
        arguments(Parser.ENDPOINT_LIST, "127.0.0.1:", "is not HOST:PORT"),
        // the host
        arguments(Parser.PEERS_LIST, "s1=[]:7001", "host"),
        arguments(Parser.PEERS_LIST, "s1=my host:7001", "host"),
        arguments(Parser.PEERS_LIST, "s1=[::1:7001", "host"),
        arguments(Parser.ENDPOINT_LIST, "[]:7001", "host"),
        // the port
        arguments(Parser.PEERS_LIST, "s1=127.0.0.1:abc", "not a number"),
        arguments(Parser.PEERS_LIST, "s1=127.0.0.1:70o1", "not a number"),
        arguments(Parser.PEERS_LIST, "s1=127.0.0.1:-1", "out of range 1-65535"),
        arguments(Parser.PEERS_LIST, "s1=127.0.0.1:99999999999", "not a number"),
        arguments(Parser.PEERS_LIST, "s1=127.0.0.1:0", "out of range 1-65535"),
        arguments(Parser.PEERS_LIST, "s1=127.0.0.1:65536", "out of range 1-65535"),
        arguments(Parser.ENDPOINT_LIST, "127.0.0.1:0", "out of range 1-65535"),
        arguments(Parser.ENDPOINT_LIST, "127.0.0.1:70000", "out of range 1-65535"),
        // the id
        arguments(Parser.PEERS_LIST, "bad id=127.0.0.1:7001", "sentinel id 'bad id'"),
        arguments(Parser.PEERS_LIST, "-s1=127.0.0.1:7001", "sentinel id '-s1'"),
        arguments(Parser.PEERS_LIST, "s/1=127.0.0.1:7001", "sentinel id 's/1'"),
        arguments(Parser.PEERS_LIST, "s".repeat(64) + "=127.0.0.1:7001", "sentinel id"),
        arguments(Parser.ENDPOINT_LIST, "bad id=127.0.0.1:7001", "sentinel id 'bad id'"),
        // duplicates
        arguments(Parser.PEERS_LIST, "s1=127.0.0.1:7001,s1=127.0.0.1:7002", "'s1' appears twice"),
        arguments(Parser.PEERS_LIST, "s1=127.0.0.1:7001,s2=127.0.0.1:7001",
            "127.0.0.1:7001 appears twice"),
        arguments(Parser.PEERS_LIST, "s1=[::1]:7001,s2=[::1]:7001", "[::1]:7001 appears twice"),
        arguments(Parser.ENDPOINT_LIST, "127.0.0.1:7001,127.0.0.1:7001", "appears twice"),
        arguments(Parser.ENDPOINT_LIST, "s1=127.0.0.1:7001,127.0.0.1:7001", "appears twice"),
        arguments(Parser.ENDPOINT_LIST, "s1=127.0.0.1:7001,s1=127.0.0.1:7002", "appears twice"));
  }

  @ParameterizedTest(name = "{0} \"{1}\" -> {2}")
  @MethodSource("malformed")
  void malformedListIsRefusedWithTheFlagAndAnExample(Parser parser, String text, String why) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> parser.parse(text));

    String m = e.getMessage();
    assertTrue(m.startsWith(parser.flag), "names the flag first: " + m);
    assertTrue(m.contains(why), "says what is wrong (" + why + "): " + m);
    assertTrue(m.contains("(e.g. "), "shows an example: " + m);
  }

  static Stream<Arguments> badConstructions() {
    return Stream.of(
        arguments("s1", "127.0.0.1", 0, "out of range 1-65535"),
        arguments("s1", "127.0.0.1", 65536, "out of range 1-65535"),
        arguments("", "127.0.0.1", 7001, "sentinel id ''"),
        arguments("_s1", "127.0.0.1", 7001, "sentinel id '_s1'"));
  }

  @ParameterizedTest(name = "new PeerAddress({0}, {1}, {2})")
  @MethodSource("badConstructions")
  void constructorRefusesBadIdsAndPorts(String id, String host, int port, String why) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new PeerAddress(id, host, port));

    assertTrue(e.getMessage().contains(why), e.getMessage());
    assertTrue(e.getMessage().contains("(e.g. "), "shows an example: " + e.getMessage());
  }

  @Test
  void singlePeerParserNamesTheFlag() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PeerAddress.parsePeer("s1:7001", "--self"));

    assertEquals("--self: 's1:7001' is not ID=HOST:PORT (e.g. s1=127.0.0.1:7001)", e.getMessage());
  }
}
