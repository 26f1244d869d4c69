import Form from '@rjsf/core';
import validator from '@rjsf/validator-ajv8';
import type { ErrorSchema, RJSFSchema, RJSFValidationError, UiSchema } from '@rjsf/utils';
import { t } from '../i18n';
import type { ReactNode } from 'react';
import { Problem } from '../api/client';

/** Ajv's messages in the app's language: the ones a person filling a form meets. */
export function translateErrors(errors: RJSFValidationError[]): RJSFValidationError[] {
  return errors.map((e) => {
    const p = (e.params ?? {}) as Record<string, unknown>;
    const message =
      e.name === 'required' ? t('form.required')
      : e.name === 'minLength' ? (Number(p.limit) <= 1 ? t('form.required') : t('form.minLength', { n: String(p.limit) }))
      : e.name === 'maxLength' ? t('form.maxLength', { n: String(p.limit) })
      : e.name === 'minimum' ? t('form.minimum', { n: String(p.limit) })
      : e.name === 'maximum' ? t('form.maximum', { n: String(p.limit) })
      : e.name === 'type' ? t('form.type', { type: String(p.type) })
      : e.name === 'format' ? t('form.format', { format: String(p.format) })
      : e.name === 'enum' ? t('form.enum')
      : e.name === 'pattern' ? t('form.pattern')
      : e.message ?? e.stack;
    return { ...e, message, stack: message };
  });
}

/** A problem's `data.*` errors as RJSF's error schema, so each message is shown beside its field. */
export function serverErrors(problem: unknown): ErrorSchema | undefined {
  if (!(problem instanceof Problem)) return undefined;
  const schema: Record<string, unknown> = {};
  for (const e of problem.errors) {
    const path = e.field?.replace(/^\$\.?/, '');
    if (!path || !path.startsWith('data')) continue;
    const parts = path.split('.').slice(1);
    let node = schema as Record<string, unknown>;
    for (const p of parts) node = (node[p] ??= {}) as Record<string, unknown>;
    ((node.__errors ??= []) as string[]).push(e.message);
  }
  return Object.keys(schema).length ? (schema as ErrorSchema) : undefined;
}

export function dataFieldsOf(problem: unknown): string[] {
  return problem instanceof Problem ? problem.errors.map((e) => e.field ?? '').filter((f) => f.replace(/^\$\.?/, '').startsWith('data')) : [];
}

interface Props {
  schema: Record<string, unknown> | undefined;
  data: Record<string, unknown>;
  onChange: (data: Record<string, unknown>) => void;
  onSubmit: (data: Record<string, unknown>) => void;
  problem?: unknown;
  disabled?: boolean;
  children: ReactNode;
  idPrefix?: string;
}

/** The case data form generated from a workflow's inputSchema (JSON Schema, checked in the browser with
 * Ajv before the server checks it again). */
export function DataForm({ schema, data, onChange, onSubmit, problem, disabled, children, idPrefix = 'data' }: Props) {
  const s = (schema ?? { type: 'object', properties: {} }) as RJSFSchema;
  const { $schema: _ignored, ...withoutDialect } = s as RJSFSchema & { $schema?: string };
  const ui: UiSchema = { 'ui:submitButtonOptions': { norender: true } };
  return (
    <Form
      className="rjsf"
      schema={withoutDialect}
      uiSchema={ui}
      formData={data}
      validator={validator}
      idPrefix={idPrefix}
      disabled={disabled}
      showErrorList={false}
      transformErrors={translateErrors}
      noHtml5Validate
      extraErrors={serverErrors(problem)}
      onChange={(e) => onChange((e.formData ?? {}) as Record<string, unknown>)}
      onSubmit={(e) => onSubmit((e.formData ?? {}) as Record<string, unknown>)}
    >
      {children}
    </Form>
  );
}
