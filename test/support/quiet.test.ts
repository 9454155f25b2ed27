/** The test-output filter: which console lines a passing run hides, and which it must keep. */
import { isWarningOnlyValidationReport } from './quiet';

describe('isWarningOnlyValidationReport', () => {
  test('when a synthesis report holds only warnings, it is hidden', () => {
    // GIVEN
    const report = "WARNING AvailabilityZone: Avoid hardcoding availability zones 'eu-north-1a' (CloudFormation Validate)\n   Stack/Subnet (S1) aws-cdk-lib.aws_ec2.CfnSubnet\n   Acknowledge with 'CloudFormation-Validate::W3010'\n\nA copy of this report can be found in: /tmp/cdk.outX/validation-report.json";
    // WHEN / THEN
    expect(isWarningOnlyValidationReport([report])).toBe(true);
  });

  test('when a report holds an error, or a line is not a report at all, it still prints', () => {
    // GIVEN
    const withError = "ERROR AwsSolutions-IAM5: wildcard\n   Stack/Role\n   Acknowledge with 'AwsSolutions::AwsSolutions-IAM5'";
    // WHEN / THEN
    expect(isWarningOnlyValidationReport([withError])).toBe(false);
    expect(isWarningOnlyValidationReport(['something unexpected happened'])).toBe(false);
  });
});
