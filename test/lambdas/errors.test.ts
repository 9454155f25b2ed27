/**
 * The one error hierarchy: every named error seedshield throws descends from SeedshieldError, carries a
 * stable `code` of its own and a `name` equal to its class, and keeps the error it wraps as ES2022 `cause`.
 */
import { $ZodError } from 'zod/v4/core';
import { NaclPlanError } from '../../lambdas/actuators/nacl-plan';
import { awsCall } from '../../lambdas/actuators/aws-call';
import { ChangeNotInSyncError } from '../../lambdas/actuators/route53';
import { DecisionError, DecisionInvariantError, InvalidEventError, UnknownClusterError } from '../../lambdas/core/errors';
import { WeightInvariantError } from '../../lambdas/core/weights';
import {
  ActuatorError,
  BadEventError,
  DnsSafetyError,
  DuplicateEventError,
  InvalidEnvironmentError,
  InvalidTopologyError,
  PartialCutError,
  ResourceDiscoveryError,
  SeedshieldError,
  StateConflictError,
} from '../../lambdas/errors';
import { EventRejectedError } from '../../lambdas/events/parse';
import { UnknownPinError, operatorEvent } from '../../lambdas/events/operator';
import { CustomResourceDeadlineError, ResponsePutError } from '../../lambdas/handlers/dns-records';
import { parseRemediationEnvironment } from '../../lambdas/runtime';
import { ConfigError, JsonSyntaxError, parseJsonText } from '../../lib/config/load';
import { UnknownPrerequisiteError } from '../../lib/deploy/prerequisites';
import { ValidationError } from '../../lib/errors';
import { CliUsageError, CommandError } from '../../cli/command';
import { PinExpiryError } from '../../cli/operator';
import { ReviewError } from '../../cli/review';
import { StackOutputError } from '../../cli/stack-outputs';
import { DrillError } from '../../drill/errors';
import { MotoUnavailableError } from '../../drill/moto';
import { ScenarioError } from '../../drill/scenario';
import { BenchError } from '../../bench/errors';

/** One instance of every named error, built the way its throw sites build it. */
const EVERY_ERROR: readonly SeedshieldError[] = [
  new ActuatorError('m'),
  new ResourceDiscoveryError('m'),
  new StateConflictError('m'),
  new BadEventError('m'),
  new DnsSafetyError('m'),
  new DuplicateEventError('m'),
  new PartialCutError('m', {}),
  new InvalidTopologyError('m'),
  new InvalidEnvironmentError('m'),
  new ChangeNotInSyncError('m'),
  new NaclPlanError('m'),
  new UnknownClusterError('x', ['a']),
  new InvalidEventError('m'),
  new DecisionInvariantError('m'),
  new WeightInvariantError('m'),
  new EventRejectedError('MALFORMED', 'm'),
  new UnknownPinError('x'),
  new CustomResourceDeadlineError('m'),
  new ResponsePutError('m'),
  new ConfigError('f', []),
  new JsonSyntaxError('m'),
  new UnknownPrerequisiteError('m'),
  new ValidationError('m'),
  new CliUsageError('m'),
  new CommandError('m'),
  new PinExpiryError('m'),
  new ReviewError('m'),
  new StackOutputError('m'),
  new DrillError('m'),
  new MotoUnavailableError('m'),
  new ScenarioError('s', []),
  new BenchError('m'),
];

describe('the error hierarchy', () => {
  test.each(EVERY_ERROR.map((e) => [e.constructor.name, e] as const))('when a %s is built, it is a SeedshieldError named after its class', (className, err) => {
    // GIVEN / WHEN: the instance above
    // THEN
    expect(err).toBeInstanceOf(SeedshieldError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe(className);
    expect(err.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
  });

  test('when every error class is listed, it has a code no other class has', () => {
    // GIVEN: the rejection codes belong to the rejection, not to the class
    const classes = EVERY_ERROR.filter((e) => !(e instanceof EventRejectedError));
    // WHEN
    const codes = classes.map((e) => e.code);
    // THEN
    expect(new Set(codes).size).toBe(codes.length);
  });

  test('when a core error is thrown, it is a DecisionError and a SeedshieldError', () => {
    // GIVEN / WHEN
    const err = new WeightInvariantError('every weight would be 0');
    // THEN
    expect(err).toBeInstanceOf(DecisionError);
    expect(err).toBeInstanceOf(SeedshieldError);
    expect(err.code).toBe('WEIGHT_INVARIANT');
  });

  test('when an event is rejected, its code is the rejection code and it still is a BadEventError', () => {
    // GIVEN / WHEN
    const err = new EventRejectedError('UNKNOWN_ALARM', 'alarm "x" is not a seedshield cluster alarm');
    // THEN
    expect(err).toBeInstanceOf(BadEventError);
    expect(err.code).toBe('UNKNOWN_ALARM');
    expect(err.message).toBe('UNKNOWN_ALARM: alarm "x" is not a seedshield cluster alarm');
  });
});

describe('cause', () => {
  test('when an error wraps nothing, it has no cause property at all', () => {
    // GIVEN / WHEN
    const err = new StateConflictError('lost the race');
    // THEN
    expect(Object.prototype.hasOwnProperty.call(err, 'cause')).toBe(false);
  });

  test('when an SDK call fails, the ActuatorError keeps the SDK error as its cause', async () => {
    // GIVEN
    const sdkError = Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { attempts: 8 } });
    // WHEN
    const thrown = await awsCall('ChangeResourceRecordSets Z1', () => Promise.reject(sdkError)).catch((e: unknown) => e);
    // THEN
    expect(thrown).toBeInstanceOf(ActuatorError);
    expect((thrown as ActuatorError).message).toBe('ChangeResourceRecordSets Z1 failed: Throttling: Rate exceeded (after 8 attempts)');
    expect((thrown as ActuatorError).cause).toBe(sdkError);
  });

  test('when a wrapped error wraps another, the whole chain is reachable through cause', () => {
    // GIVEN
    const sdkError = Object.assign(new Error('Invalid request'), { name: 'InvalidChangeBatch' });
    const actuator = new ActuatorError('ChangeResourceRecordSets failed', { cause: sdkError });
    // WHEN
    const partial = new PartialCutError('the cut is only partly in force', { addedNaclEntries: [] }, { cause: actuator });
    // THEN
    expect(partial.cause).toBe(actuator);
    expect((partial.cause as Error).cause).toBe(sdkError);
    expect(partial.code).toBe('PARTIAL_CUT');
  });

  test('when the environment is invalid, the InvalidEnvironmentError keeps the zod error as its cause', () => {
    // GIVEN
    const env = { STATE_TABLE_NAME: 't' };
    // WHEN
    let thrown: unknown;
    try {
      parseRemediationEnvironment(env);
    } catch (err) {
      thrown = err;
    }
    // THEN
    expect(thrown).toBeInstanceOf(InvalidEnvironmentError);
    // zod/mini's error is a $ZodError (classic's subclass is named ZodError): the class, not the name, is the contract
    expect((thrown as Error).cause).toBeInstanceOf($ZodError);
  });

  test('when a JSON file does not parse, the JsonSyntaxError keeps the parser error as its cause', () => {
    // GIVEN
    const text = '{\n  "a": 1,\n  "b": }\n';
    // WHEN
    let thrown: unknown;
    try {
      parseJsonText(text);
    } catch (err) {
      thrown = err;
    }
    // THEN
    expect(thrown).toBeInstanceOf(JsonSyntaxError);
    expect((thrown as Error).message).toMatch(/^is not valid JSON at line 3, column 8: /);
    expect((thrown as Error).cause).toBeInstanceOf(SyntaxError);
  });

  test('when an operator pins with an unknown value, the UnknownPinError names the value', () => {
    // GIVEN / WHEN / THEN
    expect(() => operatorEvent({ command: 'pin', cluster: 'eu-north', pin: 'off', reason: 'r', operator: 'o' })).toThrow(UnknownPinError);
    expect(() => operatorEvent({ command: 'pin', cluster: 'eu-north', pin: 'off', reason: 'r', operator: 'o' })).toThrow(
      'pin must be "in-service" or "isolated", got: "off"',
    );
  });
});
