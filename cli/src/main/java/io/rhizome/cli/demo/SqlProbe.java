package io.rhizome.cli.demo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Asks PostgreSQL through the proxy whether it is a primary with a streaming standby: the real
 * test that the demo works (on a second run the cluster data says so before the keepers have even
 * reported).
 */
final class SqlProbe {
  private final String url;
  private final Properties properties = new Properties();

  record Result(boolean ok, String detail) {}

  SqlProbe(String host, int port, String user, String password) {
    this.url = "jdbc:postgresql://" + host + ":" + port + "/postgres";
    properties.setProperty("user", user);
    properties.setProperty("password", password);
    properties.setProperty("connectTimeout", "5");
    properties.setProperty("socketTimeout", "10");
    properties.setProperty("ApplicationName", "rhizome-demo");
  }

  Result check() {
    try (Connection c = DriverManager.getConnection(url, properties); Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
        if (!rs.next() || rs.getBoolean(1)) {
          return new Result(false, "the proxy routes to a standby");
        }
      }
      List<String> streaming = new ArrayList<>();
      try (ResultSet rs = st.executeQuery("SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'")) {
        while (rs.next()) {
          streaming.add(rs.getString(1));
        }
      }
      return streaming.isEmpty() ? new Result(false, "the master has no streaming standby yet")
          : new Result(true, "the master streams to " + String.join(", ", streaming));
    } catch (SQLException e) {
      // never the password: the driver's messages name the server and the user only
      return new Result(false, "through the proxy: " + e.getMessage());
    }
  }
}
