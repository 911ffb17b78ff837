public enum HeldProcess {
    public static func runTrampolineIfRequested() {}
}
