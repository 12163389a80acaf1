package io.rhizome.cli;

import io.rhizome.node.common.EnvironmentDefaults;
import io.rhizome.node.common.RefusedException;
import io.rhizome.node.common.UsageException;
import io.rhizome.node.keeper.KeeperCommand;
import io.rhizome.node.sentinel.SentinelCommand;
import io.rhizome.store.StoreException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one jar's entry point: {@code rhizome sentinel|...} runs a daemon, {@code rhizome ctl ...}
 * is rhizomectl. Errors are one line on stderr; exit 0 ok, 1 refused or failed, 2 bad usage.
 */
@Command(name = "rhizome", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "PostgreSQL high availability with an embedded Raft store.",
    subcommands = {SentinelCommand.class, KeeperCommand.class, io.rhizome.proxy.ProxyCommand.class, RhizomeCtl.class,
        io.rhizome.cli.demo.DemoCommand.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    LogSetup.configure(args);
    System.exit(run(args, "rhizome"));
  }

  /** Runs a command line and returns its exit code. */
  static int run(String[] args, String programName) {
    return run(args, programName, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
  }

  /** As {@link #run(String[], String)}, printing to the given writers (tests read them). */
  public static int run(String[] args, String programName, PrintWriter out, PrintWriter err) {
    CommandLine cl;
    String[] rest = args;
    if (args.length > 0 && args[0].equals("ctl")) {
      // bin/rhizomectl: the operator knows it as rhizomectl, so errors and help say that
      rest = java.util.Arrays.copyOfRange(args, 1, args.length);
      cl = configure(new CommandLine(new RhizomeCtl()), "rhizomectl");
      HelpExamples.apply(cl, "ctl");
    } else {
      cl = configure(new CommandLine(new Main()), programName);
      HelpExamples.apply(cl, "");
    }
    cl.setOut(out);
    cl.setErr(err);
    return cl.execute(rest);
  }

  static CommandLine configure(CommandLine cl, String programName) {
    cl.setCommandName(programName);
    cl.setDefaultValueProvider(new EnvironmentDefaults());
    cl.setExecutionExceptionHandler(Main::onFailure);
    cl.setParameterExceptionHandler(Main::onBadUsage);
    return cl;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(new CommandLine(this),
        "missing command: use 'sentinel', 'keeper', 'proxy', 'ctl' or 'demo' (see --help)");
  }

  private static int onFailure(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    PrintWriter err = cmd.getErr();
    String who = cmd.getCommandSpec().qualifiedName();
    if (e instanceof UsageException) {
      err.println(who + ": " + e.getMessage());
      err.flush();
      return 2;
    }
    if (e instanceof RefusedException || e instanceof StoreException
        || e instanceof IllegalArgumentException) {
      err.println(who + ": " + e.getMessage());
      err.flush();
      return 1;
    }
    err.println(who + ": unexpected error: " + e);
    e.printStackTrace(err);
    err.flush();
    return 1;
  }

  private static int onBadUsage(CommandLine.ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage()
        + " (see --help)");
    cmd.getErr().flush();
    return 2;
  }

  /** The Maven project version, from version.properties (filtered at build), else the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"rhizome " + version(), "Java " + System.getProperty("java.version")};
    }

    static String version() {
      try (java.io.InputStream in = Main.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          java.util.Properties p = new java.util.Properties();
          p.load(in);
          String v = p.getProperty("version", "");
          if (!v.isEmpty() && !v.startsWith("${")) {
            return v;
          }
        }
      } catch (java.io.IOException e) {
        // fall through to the manifest
      }
      String v = Main.class.getPackage().getImplementationVersion();
      return v == null ? "dev" : v;
    }
  }
}
