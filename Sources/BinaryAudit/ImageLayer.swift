/// Where in a saved container image a file was found: which image (a tar may hold
/// several) and which of its layers, so that an operator knows what to rebuild.
package struct ImageLayer: Sendable, Equatable, Codable {
    /// The image's `RepoTags` (`registry.example/proxy:1.4`, joined with `, ` when
    /// several), else its OCI `org.opencontainers.image.ref.name` annotation, else
    /// its manifest's (or, in a `docker save` layout, its config's) digest in short form.
    package var image: String
    /// The layer's place in the image, from 1 (the base) to `layers` (the top), as its manifest orders them.
    package var layer: Int
    package var layers: Int
    /// The layer's digest in short form (`sha256:0123456789ab`): its OCI descriptor's,
    /// or in a `docker save` layout the config's `rootfs.diff_ids` entry; else the
    /// layer's name in the saved tar.
    package var digest: String

    package init(image: String, layer: Int, layers: Int, digest: String) {
        self.image = image
        self.layer = layer
        self.layers = layers
        self.digest = digest
    }

    /// `layer 2/3 sha256:0123456789ab of proxy:1.4`: how text names it.
    package var description: String {
        "layer \(layer)/\(layers) \(digest) of \(image)"
    }

    /// `sha256:0123456789ab` for a full `sha256:…` digest; other text as it is.
    static func short(_ digest: String) -> String {
        guard let colon = digest.firstIndex(of: ":") else { return digest }
        let hex = digest[digest.index(after: colon)...]
        return hex.count > 12 ? String(digest[...colon]) + hex.prefix(12) : digest
    }
}
