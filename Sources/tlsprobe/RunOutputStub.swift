import ArgumentParser
import RunModel
import MatrixModel
// TEMPORARY until i24-render lands.
extension ReportOutputOptions {
    func validateRunReport(command: String) throws(ValidationError) {}
}
extension ReportOutput {
    func emit(_ run: RunReport) throws { Terminal.write(try JSONCoding.document(run)) }
}
