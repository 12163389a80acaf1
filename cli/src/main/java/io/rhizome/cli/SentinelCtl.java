package io.rhizome.cli;

import io.rhizome.node.common.RefusedException;
import io.rhizome.node.common.UsageException;
import io.rhizome.node.status.Json;
import io.rhizome.proto.store.StatusReply;
import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code rhizomectl sentinel list|add|remove}: the store's membership. */
@Command(name = "sentinel", mixinStandardHelpOptions = true,
    description = "List, add or remove sentinels (members of the store's Raft group).",
    subcommands = {SentinelCtl.ListCmd.class, SentinelCtl.AddCmd.class, SentinelCtl.RemoveCmd.class})
final class SentinelCtl implements Runnable {
  @ParentCommand RhizomeCtl ctl;
  @CommandLine.Spec CommandLine.Model.CommandSpec self;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(self.commandLine(),
        "missing command: use 'list', 'add ID=HOST:PORT' or 'remove ID'");
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The sentinels and which one leads.")
  static final class ListCmd implements java.util.concurrent.Callable<Integer> {
    @ParentCommand SentinelCtl parent;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--format", defaultValue = "table", description = "table or json")
    String format;

    @Override
    public Integer call() {
      if (!format.equals("table") && !format.equals("json")) {
        throw new UsageException("--format " + format + " is not table or json");
      }
      try (StoreClient client = parent.ctl.store.connect()) {
        StatusReply status = client.status();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (var p : status.getPeersList()) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("id", p.getId());
          row.put("address", p.getAddress());
          row.put("leader", p.getId().equals(status.getLeaderId()));
          rows.add(row);
        }
        var out = spec.commandLine().getOut();
        if (format.equals("json")) {
          out.println(Json.write(rows));
        } else {
          out.println(Table.render(List.of("ID", "ADDRESS", "LEADER"), rows.stream()
              .map(r -> List.of(r.get("id").toString(), r.get("address").toString(),
                  (Boolean) r.get("leader") ? "yes" : "no")).toList()));
          out.println("term " + status.getTerm() + ", commit index " + status.getCommitIndex()
              + ", revision " + status.getRevision());
        }
        out.flush();
      }
      return 0;
    }
  }

  @Command(name = "add", mixinStandardHelpOptions = true,
      description = {"Adds a sentinel to the store's Raft group.",
          "Start it first with 'rhizome sentinel --join ...' on an empty data dir."})
  static final class AddCmd implements java.util.concurrent.Callable<Integer> {
    @ParentCommand SentinelCtl parent;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "ID=HOST:PORT", description = "the new sentinel")
    String peer;

    @Override
    public Integer call() {
      PeerAddress added;
      try {
        added = PeerAddress.parsePeer(peer, "sentinel add");
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
      try (StoreClient client = parent.ctl.store.connect()) {
        List<PeerAddress> members = client.members();
        for (PeerAddress m : members) {
          if (m.id().equals(added.id())) {
            throw new RefusedException("sentinel " + added.id() + " is already a member (at "
                + m.address() + "); remove it first to change its address");
          }
          if (m.address().equals(added.address())) {
            throw new RefusedException("address " + added.address() + " is already used by sentinel "
                + m.id());
          }
        }
        List<PeerAddress> next = new ArrayList<>(members);
        next.add(added);
        client.setMembers(next);
        spec.commandLine().getOut().println("added sentinel " + added + "; members now "
            + client.members());
      }
      return 0;
    }
  }

  @Command(name = "remove", mixinStandardHelpOptions = true,
      description = "Removes a sentinel from the store's Raft group (it shuts itself down).")
  static final class RemoveCmd implements java.util.concurrent.Callable<Integer> {
    @ParentCommand SentinelCtl parent;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "the sentinel to remove")
    String id;

    @Override
    public Integer call() {
      try (StoreClient client = parent.ctl.store.connect()) {
        List<PeerAddress> members = client.members();
        List<PeerAddress> next = members.stream().filter(m -> !m.id().equals(id)).toList();
        if (next.size() == members.size()) {
          throw new RefusedException("sentinel " + id + " is not a member (members: "
              + members.stream().map(PeerAddress::id).toList() + ")");
        }
        if (next.isEmpty()) {
          throw new RefusedException("refusing to remove the last sentinel " + id);
        }
        client.setMembers(next);
        spec.commandLine().getOut().println("removed sentinel " + id + "; members now " + next);
      }
      return 0;
    }
  }
}
