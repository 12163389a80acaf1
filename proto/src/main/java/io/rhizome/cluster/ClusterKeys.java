package io.rhizome.cluster;

/**
 * Where a cluster's data lives in the store (design §1): one sentinel quorum can serve several
 * clusters, each under its own prefix.
 */
public record ClusterKeys(String clusterName) {

    public ClusterKeys {
        if (clusterName == null || clusterName.isBlank() || clusterName.contains("/")) {
            throw new IllegalArgumentException("cluster name must be non-empty and contain no '/'");
        }
    }

    public String prefix() {
        return "/rhizome/" + clusterName + "/";
    }

    /** The cluster data document, changed only by compare-and-set. */
    public String clusterData() {
        return prefix() + "clusterdata";
    }

    /** Prefix of the keepers' TTL info keys. */
    public String keepersPrefix() {
        return prefix() + "keepers/";
    }

    public String keeper(String keeperId) {
        return keepersPrefix() + keeperId;
    }

    /** Prefix of the proxies' TTL info keys. */
    public String proxiesPrefix() {
        return prefix() + "proxies/";
    }

    public String proxy(String proxyId) {
        return proxiesPrefix() + proxyId;
    }
}
