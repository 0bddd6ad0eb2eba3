import ProxyCore
import SystemPackage

// The JSON output contract keeps the errno as two keys, its number and its name;
// the model holds one `Errno`. Every other key is as the compiler would write it:
// an optional that is `nil` is left out.
extension CellResult: Codable {
    private enum CodingKeys: String, CodingKey {
        case runtime, mode, tfo, family, phase, kernelTFO, privateNamespace, outcome, reason, strategy, notes
        case firstWrite, bioFirstWrite, observerConflict, tfoEvidence, tlsVersion, cipher, errno, errnoName
        case openSSLErrors, verifyError, memory, applicationRecord, plugin, signal, durationMilliseconds
    }

    /// Reads the errno from its number; `errnoName` is derived from it, so it is not read.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        runtime = try container.decode(String.self, forKey: .runtime)
        mode = try container.decode(BIOMode.self, forKey: .mode)
        tfo = try container.decode(TFOSetting.self, forKey: .tfo)
        family = try container.decode(AddressFamily.self, forKey: .family)
        phase = try container.decode(Phase.self, forKey: .phase)
        kernelTFO = try container.decodeIfPresent(Int.self, forKey: .kernelTFO)
        privateNamespace = try container.decode(Bool.self, forKey: .privateNamespace)
        outcome = try container.decode(Outcome.self, forKey: .outcome)
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        strategy = try container.decodeIfPresent(BIOMode.self, forKey: .strategy)
        notes = try container.decode([String].self, forKey: .notes)
        firstWrite = try container.decodeIfPresent(FirstWrite.self, forKey: .firstWrite)
        bioFirstWrite = try container.decodeIfPresent(FirstWrite.self, forKey: .bioFirstWrite)
        observerConflict = try container.decodeIfPresent(String.self, forKey: .observerConflict)
        tfoEvidence = try container.decode(TFOEvidence.self, forKey: .tfoEvidence)
        tlsVersion = try container.decodeIfPresent(String.self, forKey: .tlsVersion)
        cipher = try container.decodeIfPresent(String.self, forKey: .cipher)
        errno = try container.decodeIfPresent(Int32.self, forKey: .errno).map(Errno.init(rawValue:))
        openSSLErrors = try container.decode([String].self, forKey: .openSSLErrors)
        verifyError = try container.decodeIfPresent(String.self, forKey: .verifyError)
        memory = try container.decodeIfPresent(MemoryEvidence.self, forKey: .memory)
        applicationRecord = try container.decodeIfPresent(ApplicationRecordEvidence.self, forKey: .applicationRecord)
        plugin = try container.decodeIfPresent(PluginCellEvidence.self, forKey: .plugin)
        signal = try container.decodeIfPresent(String.self, forKey: .signal)
        durationMilliseconds = try container.decode(Double.self, forKey: .durationMilliseconds)
    }

    /// Writes the errno as its number and its name, both absent when no system call failed.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(runtime, forKey: .runtime)
        try container.encode(mode, forKey: .mode)
        try container.encode(tfo, forKey: .tfo)
        try container.encode(family, forKey: .family)
        try container.encode(phase, forKey: .phase)
        try container.encodeIfPresent(kernelTFO, forKey: .kernelTFO)
        try container.encode(privateNamespace, forKey: .privateNamespace)
        try container.encode(outcome, forKey: .outcome)
        try container.encodeIfPresent(reason, forKey: .reason)
        try container.encodeIfPresent(strategy, forKey: .strategy)
        try container.encode(notes, forKey: .notes)
        try container.encodeIfPresent(firstWrite, forKey: .firstWrite)
        try container.encodeIfPresent(bioFirstWrite, forKey: .bioFirstWrite)
        try container.encodeIfPresent(observerConflict, forKey: .observerConflict)
        try container.encode(tfoEvidence, forKey: .tfoEvidence)
        try container.encodeIfPresent(tlsVersion, forKey: .tlsVersion)
        try container.encodeIfPresent(cipher, forKey: .cipher)
        try container.encodeIfPresent(errno?.rawValue, forKey: .errno)
        try container.encodeIfPresent(errnoName, forKey: .errnoName)
        try container.encode(openSSLErrors, forKey: .openSSLErrors)
        try container.encodeIfPresent(verifyError, forKey: .verifyError)
        try container.encodeIfPresent(memory, forKey: .memory)
        try container.encodeIfPresent(applicationRecord, forKey: .applicationRecord)
        try container.encodeIfPresent(plugin, forKey: .plugin)
        try container.encodeIfPresent(signal, forKey: .signal)
        try container.encode(durationMilliseconds, forKey: .durationMilliseconds)
    }
}
