/**
 * AWS Control Tower's proactive controls, checked against the synthesized templates: AWS publishes them as
 * cfn-guard rules, run here through the CDK policy-validation plugin `@cdklabs/cdk-validator-cfnguard`.
 *
 * A finding is fixed in the construct, or acknowledged on the resource (or the construct that owns it) with
 * {@link acknowledgeControl} and a written reason. CDK matches an acknowledgment `cdk-validator-cfnguard::<rule>`
 * against the plugin's violations by construct path (the resource or any parent), and the report keeps the
 * reason beside each suppressed finding. `npm run check:controls` (scripts/check-controls.ts) fails on
 * anything left.
 *
 * The check is its own step, not part of `npm run synth`: cfn-guard evaluates 237 rules per template, and
 * registered on every synth it took 1.9x the synth's CPU time (README: "Deploy on a real account").
 * @see https://docs.aws.amazon.com/controltower/latest/controlreference/proactive-controls.html
 * @see https://github.com/cdklabs/cdk-validator-cfnguard
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, AppProps, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** The plugin's name: the namespace of its rule ids in acknowledgments and in the validation report. */
export const CONTROL_TOWER_PLUGIN_NAME = 'cdk-validator-cfnguard';

/**
 * The Control Tower rules seedshield acknowledges somewhere, by their cfn-guard rule name (as the report
 * names them). A union, so a typo in an acknowledgment is a compile error instead of a silent no-op.
 */
export type ControlTowerRule =
  /** CT.AUTOSCALING.PR.1: the group lists `AvailabilityZones`. */
  | 'autoscaling_multiple_az_check'
  /** CT.AUTOSCALING.PR.6: a mixed-instances policy with two or more instance types. */
  | 'autoscaling_mixed_instances_policy_multiple_instance_types_check'
  /** CT.CLOUDWATCH.PR.1: an alarm has `AlarmActions`. */
  | 'cloudwatch_alarm_action_check'
  /** CT.EC2.PR.19: the instance type encrypts traffic between instances (Nitro). */
  | 'ec2_instance_nitro_encryption_in_transit_check'
  /** CT.EC2.PR.10: the launch template turns on detailed monitoring. */
  | 'ec2_launch_template_monitoring_enabled_check'
  /** CT.ELASTICLOADBALANCING.PR.6: load balancer access logs. */
  | 'elbv2_logging_enabled_check'
  /** CT.LAMBDA.PR.3: the function runs in a customer VPC. */
  | 'lambda_inside_vpc_check'
  /** CT.EC2.PR.5: no network ACL entry admits 0.0.0.0/0 to port 22 or 3389. */
  | 'nacl_no_unrestricted_ssh_rdp_check'
  /** CT.SQS.PR.1: a queue has a dead-letter queue, or allows redrive into itself. */
  | 'sqs_dlq_check'
  /** CT.EC2.PR.3: no security group admits 0.0.0.0/0 to ports other than 80 and 443. */
  | 'vpc_sg_open_only_to_authorized_ports_check'
  /** CT.EC2.PR.4: no security group admits 0.0.0.0/0 to high-risk ports (8888 among them). */
  | 'vpc_sg_restricted_common_ports_check';

/**
 * Acknowledges Control Tower rule `rule` on `scope` (the resource, or a construct above it) with `reason`.
 * Recorded as construct metadata even when the check is not running, like the cdk-nag acknowledgments.
 */
export function acknowledgeControl(scope: IConstruct, rule: ControlTowerRule, reason: string): void {
  Validations.of(scope).acknowledge({ id: `${CONTROL_TOWER_PLUGIN_NAME}::${rule}`, reason });
}

/**
 * The cfn-guard validator with AWS Control Tower's bundled rules, all of them.
 * cfn-guard's JSON answer for five templates runs past Node's default 1 MB pipe buffer when findings pile up,
 * and an overflow would kill it mid-answer: the buffer is raised to 64 MB.
 */
export function controlTowerValidator(): CfnGuardValidator {
  return new CfnGuardValidator({ controlTowerRulesEnabled: true, maxBuffer: 64 * 1024 * 1024 });
}

/** One Control Tower finding on one resource, from the validation report. */
export interface ControlFinding {
  /** The cfn-guard rule name, e.g. `sqs_dlq_check`. */
  readonly rule: string;
  /** The control and its title, e.g. `[CT.SQS.PR.1]: Require any Amazon SQS queue to have a dead-letter queue configured`. */
  readonly description: string;
  /** What the rule asks for. */
  readonly fix?: string;
  /** The resource's construct path (empty when the plugin could not tell which resource). */
  readonly constructPath: string;
  /** The acknowledgment's reason, for suppressed findings. */
  readonly reason?: string;
}

/** What one run of the Control Tower rules found. */
export interface ControlsReport {
  /** How many Control Tower rules the plugin ran. */
  readonly rulesRun: number;
  /** Templates checked. */
  readonly templates: number;
  /** Findings nobody acknowledged: each one fails the check. */
  readonly unsuppressed: readonly ControlFinding[];
  /** Findings acknowledged with a reason. */
  readonly suppressed: readonly ControlFinding[];
  /** Set when the plugin itself failed (cfn-guard crashed, its answer did not parse): the check did not run. */
  readonly pluginError?: string;
  /** Where the full CDK validation report is (validation-report.json). */
  readonly reportPath: string;
}

/** Options of {@link checkControls}. */
export interface CheckControlsOptions {
  /** Context for the App (the feature flags of cdk.json). @default - none */
  readonly context?: AppProps['context'];
  /** Where to synthesize. @default - a new temporary directory */
  readonly outdir?: string;
}

/**
 * Builds an App with `build`, registers the Control Tower rules, synthesizes it and reads what they found.
 * The App does not report or fail by itself (`@aws-cdk/core:failSynthOnValidationErrors` is off): the caller
 * decides from {@link ControlsReport}, and CDK's full report (stack traces included) stays in `reportPath`.
 * Any other synth error is thrown as is.
 */
export function checkControls(build: (app: App) => void, options: CheckControlsOptions = {}): ControlsReport {
  const outdir = options.outdir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'seedshield-controls-'));
  const app = new App({ outdir, context: { ...options.context, '@aws-cdk/core:failSynthOnValidationErrors': false } });
  build(app);
  const validator = controlTowerValidator();
  Validations.of(app).addPlugins(validator);
  const assembly = app.synth();
  const reportPath = path.join(outdir, 'validation-report.json');
  const templates = assembly.stacks.length;
  const rulesRun = validator.ruleIds?.length ?? 0;
  // No report at all: no plugin reported anything, so every rule passed on every template.
  if (!fs.existsSync(reportPath)) return { rulesRun, templates, unsuppressed: [], suppressed: [], reportPath };
  const report = JSON.parse(fs.readFileSync(reportPath, 'utf8')) as ValidationReportJson;
  const ours = report.pluginReports.find((r) => r.pluginName === CONTROL_TOWER_PLUGIN_NAME);
  if (!ours) return { rulesRun, templates, unsuppressed: [], suppressed: [], reportPath };
  const findings = (violations: readonly ReportViolation[] | undefined) =>
    (violations ?? []).flatMap((v) =>
      v.violatingConstructs.map((c) => ({
        rule: v.ruleName,
        description: v.description,
        fix: v.suggestedFix,
        constructPath: c.constructPath,
        reason: v.reason,
      })),
    );
  const pluginError = typeof ours.metadata?.error === 'string' ? ours.metadata.error : undefined;
  return { rulesRun, templates, unsuppressed: findings(ours.violations), suppressed: findings(ours.suppressedViolations), pluginError, reportPath };
}

/** @internal The parts of CDK's validation-report.json this module reads. */
interface ValidationReportJson {
  readonly pluginReports: readonly {
    readonly pluginName: string;
    readonly metadata?: { readonly error?: unknown };
    readonly violations?: readonly ReportViolation[];
    readonly suppressedViolations?: readonly ReportViolation[];
  }[];
}

/** @internal */
interface ReportViolation {
  readonly ruleName: string;
  readonly description: string;
  readonly suggestedFix?: string;
  readonly reason?: string;
  readonly violatingConstructs: readonly { readonly constructPath: string }[];
}
