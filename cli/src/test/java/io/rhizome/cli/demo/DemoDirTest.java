package io.rhizome.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.node.common.RefusedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoDirTest {
  @TempDir Path tmp;

  @Test
  void aSecondRunKeepsThePasswordsAndFreshStartsOver() throws Exception {
    DemoDir dir = new DemoDir(tmp.resolve("demo"));
    assertFalse(dir.prepare(false), "first run: new");
    String password = dir.suPassword();
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.suPasswordFile())));
    Files.createDirectories(dir.keeper("k0"));
    assertTrue(dir.prepare(false), "second run: reused");
    assertEquals(password, dir.suPassword());
    assertTrue(Files.isDirectory(dir.keeper("k0")));
    assertFalse(dir.prepare(true), "--fresh: new again");
    assertFalse(Files.exists(dir.keeper("k0")));
    assertFalse(password.equals(dir.suPassword()));
  }

  @Test
  void freshNeverDeletesADirTheDemoDidNotMake() throws Exception {
    Path mine = Files.createDirectories(tmp.resolve("mine"));
    Files.writeString(mine.resolve("thesis.tex"), "years of work");
    RefusedException e = assertThrows(RefusedException.class, () -> new DemoDir(mine).prepare(true));
    assertTrue(e.getMessage().contains("is not a demo dir"), e.getMessage());
    assertTrue(Files.exists(mine.resolve("thesis.tex")));
  }

  @Test
  void pgpassHasTheProxyAndThePassword() throws Exception {
    DemoDir dir = new DemoDir(tmp.resolve("demo"));
    dir.prepare(false);
    dir.writePgpass("127.0.0.1", 17032, "postgres");
    assertEquals("127.0.0.1:17032:*:postgres:" + dir.suPassword() + "\n", Files.readString(dir.pgpass()));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.pgpass())));
  }
}
