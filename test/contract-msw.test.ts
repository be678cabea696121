import { defineContract } from './support/contract.ts'
import { mswTargets } from './support/targets.ts'

for (const target of mswTargets()) defineContract(target)
