package io.rhizome.cli;

import java.util.List;

/** Plain text table with aligned columns, as kubectl and stolonctl print. */
final class Table {
  private Table() {}

  static String render(List<String> header, List<List<String>> rows) {
    int[] width = new int[header.size()];
    for (int i = 0; i < header.size(); i++) {
      width[i] = header.get(i).length();
      for (List<String> r : rows) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    line(header, width, out);
    for (List<String> r : rows) {
      out.append('\n');
      line(r, width, out);
    }
    return out.toString();
  }

  private static void line(List<String> cells, int[] width, StringBuilder out) {
    for (int i = 0; i < cells.size(); i++) {
      String c = cells.get(i);
      out.append(c);
      if (i < cells.size() - 1) {
        out.append(" ".repeat(width[i] - c.length() + 2));
      }
    }
  }
}
