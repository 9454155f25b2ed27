/**
 * Tells on-call about a decision through SNS: a short subject, then a message that is structured JSON (for
 * chat/ticket integrations) followed by the human sentence.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { NotifyEffect } from '../core/types';
import { InvalidEnvironmentError } from '../errors';
import { awsCall } from './aws-call';

/** SNS `Subject` limit (characters; ASCII only, no line breaks). */
export const SNS_SUBJECT_MAX = 100;

/** What {@link SnsNotifier.publish} sent. */
export interface NotifyResult {
  readonly messageId?: string;
  readonly subject: string;
}

/**
 * SNS subject for a notification: `[seedshield CRITICAL] <subject>`, ASCII printable, one line, at most 100
 * characters (SNS rejects anything else with InvalidParameter, which would lose the notification).
 */
export function snsSubject(severity: NotifyEffect['severity'], subject: string): string {
  const clean = `[seedshield ${severity}] ${subject}`
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length <= SNS_SUBJECT_MAX ? clean : `${clean.slice(0, SNS_SUBJECT_MAX - 3)}...`;
}

/**
 * Replaces bare IPv4 addresses (not CIDRs) with `[redacted]`.
 *
 * Defence in depth: customer-gateway addresses are secret and never reach the control plane, but a message
 * built from an AWS error text could still carry an address. Site CIDRs (`a.b.c.d/n`) stay readable.
 */
export function redactAddresses(text: string): string {
  return text.replace(/(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d/]|\.\d)/g, '[redacted]');
}

/** Publishes decisions to one SNS topic. */
export class SnsNotifier {
  readonly #sns: SNSClient;
  readonly #topicArn: string;

  /**
   * @param sns client in the topic's region
   * @param topicArn the on-call topic
   */
  constructor(sns: SNSClient, topicArn: string) {
    this.#sns = sns;
    this.#topicArn = topicArn;
  }

  /**
   * Publishes one notification. The effect id goes in the JSON and as a message attribute, so a notification
   * repeated by a retried job can be recognised as the same one.
   */
  async publish(effect: NotifyEffect, extra: Readonly<Record<string, unknown>> = {}): Promise<NotifyResult> {
    const subject = snsSubject(effect.severity, effect.subject);
    const structured = { source: 'seedshield', effectId: effect.id, severity: effect.severity, subject: effect.subject, ...extra };
    const message = redactAddresses(`${JSON.stringify(structured, null, 2)}\n\n${effect.message}`);
    const out = await awsCall(`Publish ${this.#topicArn}`, () =>
      this.#sns.send(
        new PublishCommand({
          TopicArn: this.#topicArn,
          Subject: subject,
          Message: message,
          MessageAttributes: {
            severity: { DataType: 'String', StringValue: effect.severity },
            effectId: { DataType: 'String', StringValue: effect.id },
          },
        }),
      ),
    );
    return { messageId: out.MessageId, subject };
  }
}

/** Region of an SNS topic ARN (`arn:aws:sns:<region>:<account>:<name>`). */
export function topicRegion(topicArn: string): string {
  const region = topicArn.split(':')[3];
  if (!region) throw new InvalidEnvironmentError(`not an SNS topic ARN: ${topicArn}`);
  return region;
}
